// The WebSocket side as `serve()` wires it: loading the module registers the
// upgrade handler, the HTTP side hands it WebSocket handshakes, and `close()`
// shuts open connections down through the registry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application, WebSocketReceiveEvent } from 'tsgi';
import { Logger } from '../src/log/logger.js';
import { MemorySink } from '../src/log/sink.js';
import { serve } from '../src/serve.js';
import { deferred, openClient } from './websocket-support.js';

const quiet = { logger: new Logger(new MemorySink(), 'critical') };

describe('WebSocket through serve()', { timeout: 20_000 }, () => {
  it('[WS-RECV-1] serves an echo over a real server, with the lifespan state in the scope', async () => {
    const app: Application = async (scope, receive, send) => {
      if (scope.type === 'lifespan') {
        await receive();
        scope.state.greeting = 'hi';
        await send({ type: 'lifespan.startup.complete' });
        await receive();
        await send({ type: 'lifespan.shutdown.complete' });
        return;
      }
      if (scope.type !== 'websocket') throw new Error(`unexpected scope ${scope.type}`);
      await receive();
      await send({ type: 'websocket.accept' });
      for (;;) {
        const event = await receive();
        if (event.type !== 'websocket.receive') return;
        await send({
          type: 'websocket.send',
          text: `${String(scope.state?.greeting)} ${event.text ?? ''}`,
        });
      }
    };
    const handle = await serve(app, { host: '127.0.0.1', port: 0, accessLog: false }, quiet);
    try {
      const port = handle.addresses[0]!.port;
      const client = openClient(`ws://127.0.0.1:${port}/echo`);
      await client.opened;
      client.ws.send('there');
      assert.equal((await client.nextMessage()).data.toString(), 'hi there');
      client.ws.close(1000);
      assert.equal((await client.closed).code, 1000);
    } finally {
      await handle.close();
    }
  });

  it('[WS-DISC-1] close() sends 1001 to open WebSockets and waits for their apps', async () => {
    const seen = deferred<WebSocketReceiveEvent>();
    const app: Application = async (scope, receive, send) => {
      if (scope.type !== 'websocket') throw new Error('no lifespan here');
      await receive();
      await send({ type: 'websocket.accept' });
      seen.resolve((await receive()) as WebSocketReceiveEvent);
    };
    const handle = await serve(
      app,
      { host: '127.0.0.1', port: 0, accessLog: false, lifespan: 'off', gracefulTimeout: 10 },
      quiet,
    );
    const client = openClient(`ws://127.0.0.1:${handle.addresses[0]!.port}/`);
    await client.opened;
    assert.equal(handle.inFlight(), 1);
    await handle.close();
    assert.equal((await client.closed).code, 1001);
    assert.deepEqual(await seen.promise, {
      type: 'websocket.disconnect',
      code: 1001,
      reason: 'server shutting down',
    });
    assert.equal(handle.inFlight(), 0);
  });
});
