import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { WebSocketReceiveEvent } from 'tsgi';
import {
  clientFrame,
  closePayload,
  deferred,
  handshakeRequest,
  openClient,
  rawConnect,
  startServer,
  track,
  turns,
} from './websocket-support.js';

// Far more than the kernel's socket buffers can hold between the two ends.
const HUGE = 64 * 1024 * 1024;

describe('WebSocket backpressure', { timeout: 60_000 }, () => {
  it('[WS-BP-1] send() stays pending while the client does not read, and resolves once it does', async () => {
    const go = deferred();
    const sending = deferred<{ sent: Promise<void> }>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await go.promise;
      const sent = send({ type: 'websocket.send', bytes: new Uint8Array(HUGE) });
      sending.resolve({ sent });
      await sent;
      await receive();
    });
    try {
      const client = openClient(server.url, [], { maxPayload: HUGE + 1 });
      await client.opened;
      client.ws.pause();
      go.resolve();
      const { sent } = await sending.promise;
      const tracked = track(sent);
      await turns(50);
      assert.equal(tracked.settled, false, 'send() resolved while the client read nothing');

      client.ws.resume();
      const message = await client.nextMessage();
      assert.equal(message.data.length, HUGE);
      await sent;
      assert.equal(tracked.settled, true);
      client.ws.close();
      await client.closed;
    } finally {
      await server.close();
    }
  });

  it('[WS-BP-1] stops reading messages the app has not asked for, and loses none', async () => {
    const go = deferred();
    const received: number[] = [];
    const finished = deferred<WebSocketReceiveEvent>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await go.promise;
      for (;;) {
        const event = (await receive()) as WebSocketReceiveEvent;
        if (event.type === 'websocket.receive' && event.bytes !== undefined) {
          received.push(new DataView(event.bytes.buffer, event.bytes.byteOffset).getUint32(0));
          continue;
        }
        finished.resolve(event);
        return;
      }
    });
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/flood'));
      const piece = Buffer.alloc(64 * 1024);
      let sent = 0;
      // Without bounded read-ahead the server would take everything and this never stops.
      for (;;) {
        piece.writeUInt32BE(sent, 0);
        sent++;
        if (!raw.socket.write(clientFrame(0x2, piece))) break;
        assert.ok(sent * piece.length < 512 * 1024 * 1024, 'the server kept reading');
        if (sent % 32 === 0) await turns(1);
      }
      go.resolve();
      await once(raw.socket, 'drain');
      raw.socket.write(clientFrame(0x8, closePayload(1000)));
      assert.deepEqual(await finished.promise, {
        type: 'websocket.disconnect',
        code: 1000,
        reason: '',
      });
      assert.equal(received.length, sent);
      assert.deepEqual(
        received,
        Array.from({ length: sent }, (_, i) => i),
      );
    } finally {
      await server.close();
    }
  });
});
