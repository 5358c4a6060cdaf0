/**
 * The server's side of the event contract: one call per request, events it
 * must refuse, extensions it did not advertise, and values it must not
 * change after handing them over.
 *
 * @module
 */

import { expectEqual, expectThat } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest, type RawConnection, type RawResponse } from '../../clients/raw-http.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  expectAborted,
  expectStillFailed,
  field,
  readMaybeAborted,
  readResponseFor,
  rejectedCiting,
} from './helpers.js';

/**
 * Asks the probe to send a bad event, then a valid one, and returns what
 * send() did with both and what reached the client once the probe returned.
 */
async function badEvent(
  context: ServerContext,
  kind: string,
): Promise<{ sent: unknown; response: RawResponse | null; connection: RawConnection }> {
  const token = context.token();
  const connection = await context.raw();
  await connection.write(context.get(`/bad-event?kind=${kind}`, [[TOKEN_HEADER, token]]));
  const response = await readMaybeAborted(connection).catch(() => null);
  return { sent: await context.waitResults(token), response, connection };
}

/**
 * Checks what the client got from an exchange the app left failed: a 500
 * when no start was accepted, an aborted response otherwise (section 3.7).
 */
async function expectFailedOutcome(
  what: string,
  started: boolean,
  { response, connection }: { response: RawResponse | null; connection: RawConnection },
): Promise<void> {
  if (started) {
    await expectAborted(
      'HTTP-FAIL-3',
      `the response once the app returned after ${what}`,
      connection,
      response,
    );
    return;
  }
  expectEqual(
    'HTTP-FAIL-3',
    `the status once the app returned after ${what}`,
    response?.status ?? 'no response',
    500,
  );
}

/** The cases of the `server.events` group. */
export const eventCases = defineGroup<ServerContext>('server.events', [
  {
    id: 'server.events.one-call-per-request',
    title: 'the app is called once for each HTTP request',
    requirements: ['SRV-1'],
    async run(context) {
      const connection = await context.raw();
      const tokens = [context.token(), context.token(), context.token()];
      for (const token of tokens) {
        await connection.write(context.get('/count', [[TOKEN_HEADER, token]]));
        await readResponseFor('SRV-1', 'the answer to /count', connection);
      }
      for (const token of tokens) {
        expectEqual('SRV-1', 'the app calls for one request', await context.calls(token), 1);
      }
    },
  },
  {
    id: 'server.events.unknown-type-refused',
    title:
      'send() of an event of unknown type rejects with an Error naming a requirement, and so does every later send()',
    requirements: ['SRV-3', 'HTTP-FAIL-3'],
    async run(context) {
      const outcome = await badEvent(context, 'unknown-type');
      const sent = outcome.sent;
      expectThat(
        'SRV-3',
        'send({ type: "http.response.bogus" })',
        rejectedCiting(sent),
        'a rejection whose message names a requirement ID',
        describeOutcome(sent),
      );
      expectEqual(
        'SRV-3',
        'whether the rejection is an Error',
        field(field(sent, 'error'), 'isError'),
        true,
      );
      expectStillFailed('an event of unknown type', sent);
      await expectFailedOutcome('an event of unknown type', false, outcome);
    },
  },
  {
    id: 'server.events.wrong-state-refused',
    title:
      'send() of an event not valid in the current state rejects with an Error naming a requirement, and so does every later send() of an open response',
    requirements: ['SRV-3', 'HTTP-FAIL-3'],
    async run(context) {
      for (const kind of ['body-before-start', 'start-twice', 'after-complete']) {
        const outcome = await badEvent(context, kind);
        const sent = outcome.sent;
        expectThat(
          'SRV-3',
          `the send() of ${kind}`,
          rejectedCiting(sent),
          'a rejection whose message names a requirement ID',
          describeOutcome(sent),
        );
        // After a complete response there is nothing left to fail.
        if (kind === 'after-complete') continue;
        expectStillFailed(kind, sent);
        await expectFailedOutcome(kind, kind === 'start-twice', outcome);
      }
    },
  },
  {
    id: 'server.events.unadvertised-refused',
    title:
      'events and fields of an extension the scope does not advertise are refused, and fail the exchange',
    requirements: ['EXT-2', 'SRV-3'],
    async run(context) {
      const tried: string[] = [];
      for (const event of ['earlyHints', 'trailers-field', 'file', 'trailers']) {
        const token = context.token();
        const connection = await context.raw();
        // HTTP/1.0 without TE: trailers and early hints cannot be advertised.
        await connection.write(
          buildRequest(`GET ${context.path(`/unadvertised?event=${event}`)} HTTP/1.0`, [
            ['Host', context.target.authority],
            [TOKEN_HEADER, token],
          ]),
        );
        await readMaybeAborted(connection).catch(() => null);
        const report = await context.waitResults(token);
        if (field(report, 'tried') === false) continue;
        tried.push(event);
        expectThat(
          'EXT-2',
          `send() of ${event}, not advertised`,
          rejectedCiting(report),
          'a rejection naming a requirement',
          describeOutcome(report),
        );
        expectStillFailed(`the unadvertised ${event}`, report);
      }
      expectThat(
        'EXT-2',
        'the extension events tried',
        tried.length > 0,
        'at least one unadvertised extension event',
        'the server advertised every extension to an HTTP/1.0 request without TE',
      );
    },
  },
  {
    id: 'server.events.no-mutation',
    title: 'the scope and body pieces given to the app are never changed afterwards',
    requirements: ['SRV-4'],
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(
        buildRequest(`POST ${context.path('/retain')} HTTP/1.1`, [
          ['Host', context.target.authority],
          [TOKEN_HEADER, token],
          ['Transfer-Encoding', 'chunked'],
        ]),
      );
      for (const letter of ['a', 'b', 'c', 'd']) {
        await connection.write(`400\r\n${letter.repeat(0x400)}\r\n`);
        await context.sleep(40);
      }
      await connection.write('0\r\n\r\n');
      await readResponseFor('SRV-4', 'the answer to /retain', connection);
      await connection.write(context.get('/count'));
      await readResponseFor('SRV-4', 'the answer to the next request', connection);
      const report = await context.waitResults(token, () => true, 4000);
      expectEqual(
        'SRV-4',
        'what changed after it was handed to the app',
        field(report, 'changed'),
        [],
      );
    },
  },
]);
