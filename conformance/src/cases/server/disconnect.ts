/**
 * Disconnects: what receive() and send() do once the client is gone or the
 * response is complete, and that the server keeps quiet about it.
 *
 * @module
 */

import { expectEqual, expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import { describeOutcome, field, readResponseFor, rejectedDisconnected } from './helpers.js';

async function watch(
  context: ServerContext,
  phase: 'before-start' | 'streaming',
): Promise<Record<string, unknown> | undefined> {
  const token = context.token();
  const connection = await context.raw();
  await connection.write(context.get(`/disconnect-watch?phase=${phase}`, [[TOKEN_HEADER, token]]));
  const waiting = await context.waitResults(token, (report) => report.waiting === true, 4000);
  expectThat(
    'HTTP-DISC-1',
    'the probe',
    waiting?.waiting === true,
    'a receive() call pending after the body',
    show(waiting),
  );
  if (phase === 'streaming') await connection.readHead(3000);
  connection.destroy();
  return context.waitResults(token, (report) => report.waiting === false, 15_000);
}

function checkWatch(report: Record<string, unknown> | undefined, phase: string): void {
  expectEqual(
    'HTTP-DISC-1',
    `the pending receive() when the client left (${phase})`,
    field(report?.pending, 'type') ?? report?.pending,
    'http.disconnect',
  );
  expectEqual(
    'HTTP-DISC-1',
    `a later receive() after the client left (${phase})`,
    field(report?.later, 'type') ?? report?.later,
    'http.disconnect',
  );
  expectThat(
    'HTTP-DISC-2',
    `send() after the client left (${phase})`,
    rejectedDisconnected(report?.send),
    'a rejection with code ERR_TSGI_CLIENT_DISCONNECTED',
    describeOutcome(report?.send),
  );
}

/** The cases of the `http.disconnect` group. */
export const disconnectCases = defineGroup<ServerContext>('http.disconnect', [
  {
    id: 'http.disconnect.before-start',
    title:
      'a client leaving before the response: pending and later receive() give http.disconnect, send() rejects',
    requirements: ['HTTP-DISC-1', 'HTTP-DISC-2'],
    timeoutMs: 25_000,
    async run(context) {
      checkWatch(await watch(context, 'before-start'), 'before the response started');
    },
  },
  {
    id: 'http.disconnect.while-streaming',
    title:
      'a client leaving during the response: pending and later receive() give http.disconnect, send() rejects',
    requirements: ['HTTP-DISC-1', 'HTTP-DISC-2'],
    timeoutMs: 25_000,
    async run(context) {
      checkWatch(await watch(context, 'streaming'), 'while the body streamed');
    },
  },
  {
    id: 'http.disconnect.send-rejects',
    title: 'a streaming send() rejects with ClientDisconnectedError once the client is gone',
    requirements: ['HTTP-DISC-2'],
    timeoutMs: 20_000,
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/stream-until-gone', [[TOKEN_HEADER, token]]));
      await connection.readHead(3000);
      await context.waitResults(token, (report) => Number(report.sent) > 0, 3000);
      connection.destroy();
      const report = await context.waitResults(token, (value) => value.done === true, 12_000);
      const error = field(report, 'error');
      expectEqual(
        'HTTP-DISC-2',
        'the code of the error send() rejected with',
        field(error, 'code') ?? error,
        'ERR_TSGI_CLIENT_DISCONNECTED',
      );
      expectEqual('HTTP-DISC-2', 'whether it is an Error', field(error, 'isError'), true);
    },
  },
  {
    id: 'http.disconnect.after-complete',
    title:
      'after the response is complete, receive() gives http.disconnect while the connection stays open',
    requirements: ['HTTP-DISC-3'],
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/after-complete', [[TOKEN_HEADER, token]]));
      await readResponseFor('HTTP-DISC-3', 'the answer to /after-complete', connection);
      const report = await context.waitResults(token, () => true, 5000);
      expectEqual(
        'HTTP-DISC-3',
        'receive() after the response completed',
        field(report?.event, 'type') ?? report?.event,
        'http.disconnect',
      );
      expectThat(
        'HTTP-DISC-3',
        'the connection',
        !connection.closed,
        'still open (keep-alive)',
        'closed by the server',
      );
    },
  },
  {
    id: 'http.disconnect.not-logged',
    title: 'a ClientDisconnectedError escaping the app is not logged as an error',
    requirements: ['HTTP-DISC-4'],
    requires: ['process'],
    timeoutMs: 20_000,
    async run(context) {
      const server = context.server;
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/throw-disconnected', [[TOKEN_HEADER, token]]));
      await context.waitResults(token, (report) => report.waiting === true, 4000);
      connection.destroy();
      await context.waitResults(token, (report) => report.thrown === true, 12_000);
      await context.sleep(300);
      // Match the error's message, not the token alone: access logs show it in request targets.
      const lines = server
        .output()
        .filter((line) => line.includes(`probe saw the client leave (probe token ${token})`));
      expectEqual(
        'HTTP-DISC-4',
        'server output about the ClientDisconnectedError the app let escape',
        lines,
        [],
      );
    },
  },
]);
