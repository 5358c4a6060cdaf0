/**
 * What the server does when the application fails: 500 before the start,
 * an aborted response after it, the same for an app that returns early, and
 * a log with the stack while it keeps serving.
 *
 * @module
 */

import { expectEqual, expectThat, latin1, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import { expectAborted, readMaybeAborted, readResponseFor } from './helpers.js';

async function expectAbortOf(
  context: ServerContext,
  requirement: string,
  route: string,
): Promise<void> {
  const connection = await context.raw();
  await connection.write(context.get(route));
  const response = await readMaybeAborted(connection);
  await expectAborted(requirement, `the answer to ${route}`, connection, response);
}

/** The cases of the `http.failure` group. */
export const failureCases = defineGroup<ServerContext>('http.failure', [
  {
    id: 'http.failure.throw-before-start',
    title: 'an app that throws before the start gets a 500 whose body reveals nothing of the error',
    requirements: ['HTTP-FAIL-1'],
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/fail-before-start', [[TOKEN_HEADER, token]]));
      const response = await readResponseFor(
        'HTTP-FAIL-1',
        'the answer to an app that threw',
        connection,
      );
      expectEqual(
        'HTTP-FAIL-1',
        'the status when the app threw before the start',
        response.status,
        500,
      );
      const body = latin1(response.body);
      const leaks = [token, 'probe failure', 'edge-routes', '.js:', '.ts:', '    at '].filter(
        (text) => body.includes(text),
      );
      expectThat(
        'HTTP-FAIL-1',
        'the 500 body',
        leaks.length === 0,
        'nothing of the error (message, stack, file names)',
        () => `${show(body)} (contains ${show(leaks)})`,
      );
    },
  },
  {
    id: 'http.failure.throw-after-hints',
    title: 'early hints are not a start: an app that sent hints and then throws gets a 500',
    requirements: ['HTTP-FAIL-1'],
    needs: 'http.response.earlyHints',
    async run(context) {
      const connection = await context.raw();
      await connection.write(context.get('/hints-then-fail'));
      const response = await readResponseFor(
        'HTTP-FAIL-1',
        'the answer to an app that sent hints and threw',
        connection,
      );
      expectEqual(
        'HTTP-FAIL-1',
        'the interim statuses',
        response.interim.map((head) => head.status),
        [103],
      );
      expectEqual('HTTP-FAIL-1', 'the final status', response.status, 500);
    },
  },
  {
    id: 'http.failure.throw-after-start',
    title: 'an app that throws after the start gets its response aborted',
    requirements: ['HTTP-FAIL-2'],
    async run(context) {
      await expectAbortOf(context, 'HTTP-FAIL-2', '/fail-after-start');
      await expectAbortOf(context, 'HTTP-FAIL-2', '/fail-after-start?cl=100');
    },
  },
  {
    id: 'http.failure.return-without-start',
    title: 'an app that returns without starting a response gets a 500',
    requirements: ['HTTP-FAIL-3'],
    async run(context) {
      const response = await context.request({ path: '/return-early' });
      expectEqual(
        'HTTP-FAIL-3',
        'the status when the app returned without a response',
        response.status,
        500,
      );
    },
  },
  {
    id: 'http.failure.return-after-start',
    title: 'an app that returns with its response unfinished gets the response aborted',
    requirements: ['HTTP-FAIL-3'],
    async run(context) {
      await expectAbortOf(context, 'HTTP-FAIL-3', '/return-after-start');
      await expectAbortOf(context, 'HTTP-FAIL-3', '/return-after-start?cl=100');
    },
  },
  {
    id: 'http.failure.keeps-serving',
    title: 'the server keeps serving after an app error',
    requirements: ['HTTP-FAIL-4'],
    async run(context) {
      for (const route of ['/fail-before-start', '/fail-after-start']) {
        const connection = await context.raw();
        await connection.write(context.get(route));
        await readMaybeAborted(connection).catch(() => null);
        connection.destroy();
        const response = await context.request({ path: '/fixed' });
        expectEqual('HTTP-FAIL-4', `the status of a request after ${route}`, response.status, 200);
      }
    },
  },
  {
    id: 'http.failure.logged',
    title: 'an app error is logged with its stack',
    requirements: ['HTTP-FAIL-4'],
    requires: ['process'],
    async run(context) {
      const server = context.server;
      const token = context.token();
      await context.request({ path: '/log-error', headers: { [TOKEN_HEADER]: token } });
      // Match the error's message, not the token alone: access logs show it in request targets.
      const message = `probe error for the log (probe token ${token})`;
      let output: string[] = [];
      for (let i = 0; i < 20; i++) {
        output = server.output();
        if (output.some((line) => line.includes(message))) break;
        await context.sleep(100);
      }
      const at = output.findIndex((line) => line.includes(message));
      expectThat(
        'HTTP-FAIL-4',
        'the server output',
        at >= 0,
        'the message of the error the app threw',
        () => show(server.tail(5)),
      );
      const stack = output.slice(at, at + 20).some((line) => /^\s+at\s/.test(line));
      expectThat('HTTP-FAIL-4', 'the logged error', stack, 'its stack ("    at ..." lines)', () =>
        show(output.slice(at, at + 5)),
      );
    },
  },
]);
