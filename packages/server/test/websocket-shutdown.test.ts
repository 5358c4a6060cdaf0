import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isClientDisconnected, type WebSocketReceiveEvent } from 'tsgi';
import { SHUTDOWN_CLOSE_CODE } from '../src/websocket/registry.js';
import { deferred, openClient, startServer, track, turns } from './websocket-support.js';

describe('WebSocket shutdown', { timeout: 20_000 }, () => {
  it('[WS-DISC-1] closing all connections sends 1001 and the app sees the disconnect', async () => {
    const seen = deferred<WebSocketReceiveEvent>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      seen.resolve((await receive()) as WebSocketReceiveEvent);
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      assert.equal(server.registry.size, 1);
      server.registry.closeAll();
      assert.deepEqual(await client.closed, {
        code: SHUTDOWN_CLOSE_CODE,
        reason: 'server shutting down',
      });
      assert.deepEqual(await seen.promise, {
        type: 'websocket.disconnect',
        code: 1001,
        reason: 'server shutting down',
      });
      await server.registry.drained();
      assert.equal(server.registry.size, 0);
    } finally {
      await server.close();
    }
  });

  it('[WS-DISC-1] a handshake not yet answered gets 503 and the late accept is a disconnect', async () => {
    const called = deferred();
    const accepted = deferred<unknown>();
    const proceed = deferred();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      called.resolve();
      await proceed.promise;
      try {
        await send({ type: 'websocket.accept' });
        accepted.resolve('accepted');
      } catch (error) {
        accepted.resolve(error);
      }
    });
    try {
      const client = openClient(server.url);
      await called.promise;
      server.registry.closeAll();
      const refused = await client.refused;
      assert.equal(refused.status, 503);
      proceed.resolve();
      assert.ok(isClientDisconnected(await accepted.promise));
      await server.registry.drained();
    } finally {
      await server.close();
    }
  });

  it('a handshake that arrives while the server stops is refused with 503, the app not called', async () => {
    let calls = 0;
    const server = await startServer(async () => {
      calls++;
    });
    try {
      server.registry.closeAll();
      const refused = await openClient(server.url).refused;
      assert.equal(refused.status, 503);
      assert.equal(calls, 0);
    } finally {
      await server.close();
    }
  });

  it('terminateAll releases connections whose app does not finish', async () => {
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await new Promise(() => {});
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      server.registry.closeAll();
      assert.equal((await client.closed).code, 1001);
      const drained = track(server.registry.drained());
      await turns(20);
      assert.equal(drained.settled, false, 'the app has not settled yet');
      server.registry.terminateAll();
      await drained.promise;
      assert.equal(server.registry.size, 0);
    } finally {
      await server.close();
    }
  });
});
