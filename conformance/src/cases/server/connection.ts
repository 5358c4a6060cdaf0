/**
 * Connections: pipelining order, keep-alive, and independent service of
 * concurrent connections.
 *
 * @module
 */

import { Client } from 'undici';
import { expectEqual, expectThat } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import { jsonBody, readResponseFor } from './helpers.js';

/** The cases of the `http.connection` group. */
export const connectionCases = defineGroup<ServerContext>('http.connection', [
  {
    id: 'http.connection.pipelining',
    title: 'pipelined requests are answered in the order received',
    requirements: ['HTTP-CONN-1'],
    async run(context) {
      const client = new Client(context.target.origin, {
        pipelining: 4,
        socketPath: context.target.socketPath ?? undefined,
        connect: { rejectUnauthorized: false },
      });
      context.defer(() => client.destroy());
      const delays = [300, 0, 150, 0];
      const answers = await Promise.all(
        delays.map(async (ms, id) => {
          const response = await client.request({
            path: context.path(`/delay?ms=${ms}&id=${id}`),
            method: 'GET',
          });
          return { asked: `id=${id}`, got: await response.body.text() };
        }),
      );
      for (const { asked, got } of answers) {
        expectEqual('HTTP-CONN-1', `the answer matched to the request for ${asked}`, got, asked);
      }
      const connection = await context.raw();
      await connection.write(
        delays.map((ms, id) => context.get(`/delay?ms=${ms}&id=${id}`)).join(''),
      );
      for (let id = 0; id < delays.length; id++) {
        const response = await readResponseFor('HTTP-CONN-1', `pipelined answer ${id}`, connection);
        expectEqual(
          'HTTP-CONN-1',
          `pipelined answer ${id} on one raw connection`,
          Buffer.from(response.body).toString('latin1'),
          `id=${id}`,
        );
      }
    },
  },
  {
    id: 'http.connection.keep-alive',
    title: 'an HTTP/1.1 connection stays open after a complete response',
    requirements: ['HTTP-CONN-4'],
    async run(context) {
      const connection = await context.raw();
      for (const route of ['/fixed', '/stream?chunks=2&size=5', '/fixed']) {
        expectThat(
          'HTTP-CONN-4',
          `the connection before GET ${route}`,
          !connection.closed,
          'open',
          'closed by the server',
        );
        await connection.write(context.get(route));
        const response = await readResponseFor('HTTP-CONN-4', `the answer to ${route}`, connection);
        expectEqual('HTTP-CONN-4', `the status of ${route}`, response.status, 200);
      }
      expectThat(
        'HTTP-CONN-4',
        'the connection after three exchanges',
        !(await connection.waitClosed(300)),
        'still open',
        'closed by the server',
      );
    },
  },
  {
    id: 'http.connection.concurrent',
    title: 'an app call that waits does not hold up another connection',
    requirements: ['SRV-5'],
    async run(context) {
      const token = context.token();
      const held = await context.raw();
      await held.write(context.get('/hold', [[TOKEN_HEADER, token]]));
      await context.sleep(100);
      const started = Date.now();
      const other = await context
        .request({ path: '/fixed', timeoutMs: 4000 })
        .catch((error: Error) => error);
      const elapsed = Date.now() - started;
      await context.release(token);
      expectThat(
        'SRV-5',
        'a request on a second connection while the first app call waits',
        !(other instanceof Error) && other.status === 200,
        'an answer while the other call still waits',
        () => (other instanceof Error ? other.message : `status ${other.status}`),
      );
      expectThat(
        'SRV-5',
        'the time to answer it',
        elapsed < 3000,
        'well under the 10 s the first call waits',
        `${elapsed} ms`,
      );
      const response = await readResponseFor('SRV-5', 'the held answer', held);
      expectEqual(
        'SRV-5',
        'the held call, released',
        jsonBody('SRV-5', 'the held answer', response),
        { released: true },
      );
    },
  },
]);
