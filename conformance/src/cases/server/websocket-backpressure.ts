/**
 * WebSocket backpressure: a client that does not read slows the app's
 * send() calls, and an app that does not receive() slows the client. As for
 * HTTP, only the existence of a bound is checked.
 *
 * @module
 */

import { expectThat, show } from '../../assert.js';
import { defineGroup } from '../../case.js';
import { encodeFrame, Opcode } from '../../clients/websocket.js';
import type { ServerContext } from '../../server-context.js';
import { BUFFER_BOUND as BOUND, field, flood, MIB } from './helpers.js';
import { open, ZERO_MASK } from './ws-helpers.js';

/** The cases of the `websocket.backpressure` group. */
export const websocketBackpressureCases = defineGroup<ServerContext>('websocket.backpressure', [
  {
    id: 'websocket.backpressure.send',
    title: 'send() of websocket.send stays pending while the client does not read',
    requirements: ['WS-BP-1'],
    needs: 'websocket',
    exclusive: true,
    timeoutMs: 20_000,
    async run(context) {
      const token = context.token();
      const connection = await open(context, 'WS-BP-1', `/ws/flood?token=${token}`);
      connection.raw.socket.pause();
      await context.sleep(1500);
      const first = await context.results(token);
      await context.sleep(500);
      const second = await context.results(token);
      connection.destroy();
      const accepted = Number(field(second, 'accepted') ?? 0);
      expectThat(
        'WS-BP-1',
        'the message bytes whose send() resolved while the client read nothing',
        field(second, 'done') === false && accepted <= BOUND,
        `at most ${BOUND / MIB} MiB, then a pending send()`,
        () => `${(accepted / MIB).toFixed(1)} MiB; the probe reported ${show(second)}`,
      );
      expectThat(
        'WS-BP-1',
        'send() while the client read nothing',
        field(second, 'pending') === true && field(first, 'accepted') === field(second, 'accepted'),
        'a send() that stays pending',
        () => `${show(first)} then ${show(second)}`,
      );
    },
  },
  {
    id: 'websocket.backpressure.receive',
    title: 'the server stops reading messages the app does not receive()',
    requirements: ['WS-BP-1'],
    needs: 'websocket',
    exclusive: true,
    timeoutMs: 20_000,
    async run(context) {
      const token = context.token();
      const connection = await open(context, 'WS-BP-1', `/ws/no-read?token=${token}`);
      const frame = encodeFrame({
        opcode: Opcode.BINARY,
        payload: new Uint8Array(MIB).fill(0x64),
        maskKey: ZERO_MASK,
      });
      const flushed = await flood(connection.raw.socket, frame, 3000);
      await context.release(token);
      connection.destroy();
      expectThat(
        'WS-BP-1',
        'the message bytes the server read while the app called no receive()',
        flushed <= BOUND,
        `at most ${BOUND / MIB} MiB taken off the connection`,
        `${(flushed / MIB).toFixed(1)} MiB in 3 s`,
      );
    },
  },
]);
