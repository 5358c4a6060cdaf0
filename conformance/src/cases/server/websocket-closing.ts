/**
 * WebSocket closing: denial, close codes, disconnects, and what the server
 * does when the app returns or throws.
 *
 * @module
 */

import { expectEqual, expectThat } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { headerValue } from '../../clients/raw-http.js';
import type { WebSocketConnection } from '../../clients/websocket.js';
import type { ServerContext } from '../../server-context.js';
import { describeOutcome, field, rejectedDisconnected } from './helpers.js';
import { expectClose, expectStatus, open, watchDisconnect } from './ws-helpers.js';

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
