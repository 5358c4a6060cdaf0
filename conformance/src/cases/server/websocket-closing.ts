/**
 * WebSocket closing: denial, close codes, disconnects, and what the server
 * does when the app returns or throws.
 *
 * @module
 */

import { expectEqual, expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { headerValue } from '../../clients/raw-http.js';
import type { Handshake, Message, WebSocketConnection } from '../../clients/websocket.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  expectStillFailed,
  field,
  rejectedCiting,
  rejectedDisconnected,
} from './helpers.js';
import { expectClose, expectStatus, open, watchDisconnect } from './ws-helpers.js';

/** What the states of `/ws/bad-event` are called in messages. */
const REFUSED_IN: Readonly<Record<string, string>> = {
  handshake: 'websocket.send before accept',
  open: 'a second websocket.accept',
  denying: 'websocket.accept while denying',
};

/**
 * Checks the probe's report of `/ws/bad-event?kind=<kind>`: the bad event
 * refused naming a requirement, and the valid event after it refused with
 * the same error, because the refusal failed the connection (SRV-3).
 */
async function expectFailedConnection(
  context: ServerContext,
  token: string,
  kind: string,
): Promise<void> {
  const report = await context.waitResults(token, () => true, 4000);
  const what = REFUSED_IN[kind] as string;
  expectThat(
    'SRV-3',
    `send() of ${what}`,
    rejectedCiting(report),
    'a rejection whose message names a requirement ID',
    describeOutcome(report),
  );
  expectStillFailed(what, report);
}

/** Reads until the close frame or the end, keeping the data messages seen on the way. */
async function messagesUntilClose(
  connection: WebSocketConnection,
): Promise<{ messages: Message[]; last: Message | Error }> {
  const messages: Message[] = [];
  const deadline = Date.now() + 5000;
  try {
    for (;;) {
      const message = await connection.nextMessage(Math.max(1, deadline - Date.now()));
      if (message.kind === 'close' || message.kind === 'end') return { messages, last: message };
      messages.push(message);
    }
  } catch (error) {
    return { messages, last: error as Error };
  }
}

/** The cases of the `websocket.closing` group. */
export const websocketClosingCases = defineGroup<ServerContext>('websocket.closing', [
  {
    id: 'websocket.closing.deny-with-close',
    title: 'websocket.close before accept denies the handshake with 403',
    requirements: ['WS-CLOSE-1'],
    needs: 'websocket',
    async run(context) {
      await expectStatus(context, 'WS-CLOSE-1', '/ws/close-before-accept', 403);
    },
  },
  {
    id: 'websocket.closing.disconnect',
    title:
      'a client close gives websocket.disconnect with its code and reason, on every later receive(); send() rejects, close resolves',
    requirements: ['WS-DISC-1'],
    needs: 'websocket',
    async run(context) {
      const cases: [
        string,
        (connection: WebSocketConnection) => Promise<void> | void,
        number,
        string,
      ][] = [
        [
          'a close with code 4001',
          (connection) => connection.close(4001, 'probe bye'),
          4001,
          'probe bye',
        ],
        ['a close without a code', (connection) => connection.close(), 1005, ''],
        ['a dropped connection', (connection) => connection.destroy(), 1006, ''],
      ];
      for (const [what, leave, code, reason] of cases) {
        const report = await watchDisconnect(context, leave);
        const disconnect = report?.disconnect;
        expectEqual(
          'WS-DISC-1',
          `the disconnect event after ${what}`,
          {
            type: field(disconnect, 'type'),
            code: field(disconnect, 'code'),
            reason: field(disconnect, 'reason'),
          },
          { type: 'websocket.disconnect', code, reason },
        );
        expectEqual(
          'WS-DISC-1',
          `a later receive() after ${what}`,
          field(report?.later, 'code'),
          code,
        );
        expectThat(
          'WS-DISC-1',
          `send() of websocket.send after ${what}`,
          rejectedDisconnected(report?.send),
          'a rejection with code ERR_TSGI_CLIENT_DISCONNECTED',
          describeOutcome(report?.send),
        );
        expectEqual(
          'WS-DISC-1',
          `whether send() of websocket.close after ${what} rejected`,
          field(report?.close, 'rejected'),
          false,
        );
      }
    },
  },
  {
    id: 'websocket.closing.app-returns',
    title: 'an app that returns without closing gets close 1000 after accept, 403 before it',
    requirements: ['WS-SERVER-2'],
    needs: 'websocket',
    async run(context) {
      const connection = await open(context, 'WS-SERVER-2', '/ws/return-after-accept');
      await expectClose(
        'WS-SERVER-2',
        'the close code when the app returned after accept',
        connection,
        1000,
      );
      await expectStatus(context, 'WS-SERVER-2', '/ws/return-before-accept', 403);
    },
  },
  {
    id: 'websocket.closing.app-throws',
    title: 'an app that throws gets 500 before accept and close 1011 after it',
    requirements: ['WS-FAIL-1'],
    needs: 'websocket',
    async run(context) {
      await expectStatus(context, 'WS-FAIL-1', '/ws/throw-before-accept', 500);
      const connection = await open(context, 'WS-FAIL-1', '/ws/throw-after-accept');
      await expectClose(
        'WS-FAIL-1',
        'the close code when the app threw after accept',
        connection,
        1011,
      );
    },
  },
  {
    id: 'websocket.closing.refused-event-fails',
    title:
      'a refused event fails the connection: later sends reject with the same error, then 500 before accept, 1011 after it, an aborted denial',
    requirements: ['SRV-3', 'WS-FAIL-1', 'EXT-WSDENY-2'],
    needs: 'websocket',
    async run(context) {
      // Refused in the handshake: the app returns, as if it threw there.
      const early = context.token();
      const handshake = await context.websocket(`/ws/bad-event?kind=handshake&token=${early}`);
      await expectFailedConnection(context, early, 'handshake');
      expectEqual(
        'WS-FAIL-1',
        'the handshake answer once the app returned after a refusal before accept',
        handshake.head.status,
        500,
      );

      // Refused while open: nothing more goes out, and the close is 1011.
      const late = context.token();
      const connection = await open(context, 'WS-FAIL-1', `/ws/bad-event?kind=open&token=${late}`);
      const { messages, last } = await messagesUntilClose(connection);
      await expectFailedConnection(context, late, 'open');
      expectEqual(
        'SRV-3',
        'the messages the client got after the refusal',
        messages.map((message) => (message.kind === 'text' ? message.text : message.kind)),
        [],
      );
      expectEqual(
        'WS-FAIL-1',
        'the close code once the app returned after a refusal while open',
        last instanceof Error ? last.message : last.kind === 'close' ? last.code : last.kind,
        1011,
      );

      // Refused while denying: the denial response is aborted, never completed.
      const denied = context.token();
      let denial: Handshake | Error;
      try {
        denial = await context.websocket(`/ws/bad-event?kind=denying&token=${denied}`);
      } catch (error) {
        denial = error as Error;
      }
      const report = await context.waitResults(denied, () => true, 4000);
      if (field(report, 'tried') === false) return;
      await expectFailedConnection(context, denied, 'denying');
      expectThat(
        'EXT-WSDENY-2',
        'the denial response once the app returned after a refusal while denying',
        denial instanceof Error || !denial.complete,
        'an aborted response (no response, or a body cut short of its length)',
        () =>
          denial instanceof Error
            ? denial.message
            : `a complete ${denial.head.status} response: ${show(Buffer.from(denial.body).toString('latin1'))}`,
      );
    },
  },
  {
    id: 'websocket.closing.denial-response',
    title: 'a handshake denied with websocket.http.response.* gets that HTTP response',
    requirements: ['EXT-WSDENY-2'],
    needs: 'websocket.http.response',
    async run(context) {
      const handshake = await context.websocket('/ws/deny-custom');
      expectEqual('EXT-WSDENY-2', 'the status of the denial', handshake.head.status, 401);
      expectEqual(
        'EXT-WSDENY-2',
        'the x-probe-deny field of the denial',
        headerValue(handshake.head, 'x-probe-deny'),
        'yes',
      );
      expectEqual(
        'EXT-WSDENY-2',
        'the body of the denial',
        Buffer.from(handshake.body).toString('utf8'),
        'denied by the probe',
      );
    },
  },
]);
