/**
 * The server's side of the event contract: one call per request, events it
 * must refuse, extensions it did not advertise, and values it must not
 * change after handing them over.
 *
 * @module
 */

import { expectEqual, expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest } from '../../clients/raw-http.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import {
  describeOutcome,
  field,
  readMaybeAborted,
  readResponseFor,
  rejectedCiting,
} from './helpers.js';

/**
 * Asks the probe to send a bad event and returns how send() reacted. What the
 * exchange does afterwards is not judged here: a server may let the app go on,
 * or fail the exchange (a 500 or an aborted response).
 */
async function badEvent(context: ServerContext, kind: string): Promise<unknown> {
  const token = context.token();
  const connection = await context.raw();
  await connection.write(context.get(`/bad-event?kind=${kind}`, [[TOKEN_HEADER, token]]));
  await readMaybeAborted(connection).catch(() => null);
  return context.waitResults(token);
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
    title: 'send() of an event of unknown type rejects with an Error naming a requirement',
    requirements: ['SRV-3'],
    async run(context) {
      const sent = await badEvent(context, 'unknown-type');
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
    },
  },
  {
    id: 'server.events.wrong-state-refused',
    title:
      'send() of an event not valid in the current state rejects with an Error naming a requirement',
    requirements: ['SRV-3'],
    async run(context) {
      for (const kind of ['body-before-start', 'start-twice', 'after-complete']) {
        const sent = await badEvent(context, kind);
        expectThat(
          'SRV-3',
          `the send() of ${kind}`,
          rejectedCiting(sent),
          'a rejection whose message names a requirement ID',
          describeOutcome(sent),
        );
      }
    },
  },
  {
    id: 'server.events.unadvertised-refused',
    title: 'events and fields of an extension the scope does not advertise are refused',
    requirements: ['EXT-2'],
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      // HTTP/1.0 without TE: trailers and early hints cannot be advertised.
      await connection.write(
        buildRequest(`GET ${context.path('/unadvertised')} HTTP/1.0`, [
          ['Host', context.target.authority],
          [TOKEN_HEADER, token],
        ]),
      );
      await readMaybeAborted(connection).catch(() => null);
      const report = await context.waitResults(token, (value) => value.done === true);
      const tried = Object.entries(report ?? {}).filter(
        ([key]) => key !== 'advertised' && key !== 'done',
      );
      expectThat(
        'EXT-2',
        'the extension events tried',
        tried.length > 0,
        'at least one unadvertised extension event',
        show(report),
      );
      for (const [name, outcome] of tried) {
        expectThat(
          'EXT-2',
          `send() of ${name}, not advertised`,
          rejectedCiting(outcome),
          'a rejection naming a requirement',
          describeOutcome(outcome),
        );
      }
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
