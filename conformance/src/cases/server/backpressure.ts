/**
 * Backpressure in both directions: a client that does not read slows the
 * app's send() calls, and an app that does not read slows the client.
 * Bounds are the server's choice; the cases only check that there are some,
 * far below what an unbounded server would take.
 *
 * @module
 */

import { expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { buildRequest } from '../../clients/raw-http.js';
import { TOKEN_HEADER } from '../../probe/constants.js';
import type { ServerContext } from '../../server-context.js';
import { BUFFER_BOUND as BOUND, field, flood, MIB } from './helpers.js';

/** The cases of the `http.backpressure` group. */
export const backpressureCases = defineGroup<ServerContext>('http.backpressure', [
  {
    id: 'http.backpressure.slow-reader',
    title: 'send() stays pending while the client does not read',
    requirements: ['HTTP-BP-1'],
    exclusive: true,
    timeoutMs: 20_000,
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      await connection.write(context.get('/slow-reader?mb=256', [[TOKEN_HEADER, token]]));
      await connection.readHead(3000);
      connection.socket.pause();
      await context.sleep(1500);
      const first = await context.results(token);
      await context.sleep(500);
      const second = await context.results(token);
      connection.destroy();
      const accepted = Number(field(second, 'accepted') ?? 0);
      expectThat(
        'HTTP-BP-1',
        'the bytes whose send() resolved while the client read nothing',
        field(second, 'done') === false && accepted <= BOUND,
        `at most ${BOUND / MIB} MiB, then a pending send()`,
        () => `${(accepted / MIB).toFixed(1)} MiB accepted; the probe reported ${show(second)}`,
      );
      expectThat(
        'HTTP-BP-1',
        'send() while the client read nothing',
        field(second, 'pending') === true && field(first, 'accepted') === field(second, 'accepted'),
        'a send() that stays pending',
        () => `${show(first)} then ${show(second)}`,
      );
    },
  },
  {
    id: 'http.backpressure.request-body',
    title: 'the server stops reading a body the app does not receive()',
    requirements: ['HTTP-BP-2'],
    exclusive: true,
    timeoutMs: 20_000,
    async run(context) {
      const token = context.token();
      const connection = await context.raw();
      const total = 512 * MIB;
      await connection.write(
        buildRequest(`POST ${context.path('/no-read')} HTTP/1.1`, [
          ['Host', context.target.authority],
          [TOKEN_HEADER, token],
          ['Content-Length', String(total)],
        ]),
      );
      const flushed = await flood(connection.socket, Buffer.alloc(MIB, 0x62), 3000, total);
      await context.release(token);
      connection.destroy();
      expectThat(
        'HTTP-BP-2',
        'the body bytes the server read while the app called no receive()',
        flushed <= BOUND,
        `at most ${BOUND / MIB} MiB taken off the connection`,
        `${(flushed / MIB).toFixed(1)} MiB in 3 s`,
      );
    },
  },
]);
