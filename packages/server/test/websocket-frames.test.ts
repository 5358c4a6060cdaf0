import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application, WebSocketReceiveEvent } from 'tsgi';
import {
  clientFrame,
  closePayload,
  handshakeRequest,
  openClient,
  rawConnect,
  startServer,
} from './websocket-support.js';

/** Accepts and records every event until the disconnect; never sends. */
function recordingApp(events: WebSocketReceiveEvent[]): Application {
  return async (_scope, receive, send) => {
    await receive();
    await send({ type: 'websocket.accept' });
    for (;;) {
      const event = (await receive()) as WebSocketReceiveEvent;
      events.push(event);
      if (event.type === 'websocket.disconnect') return;
    }
  };
}

const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

describe('WebSocket server duties', { timeout: 20_000 }, () => {
  it('[WS-SERVER-1] reassembles a fragmented text message, pings in between answered and hidden', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(recordingApp(events));
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/frag'));
      raw.socket.write(clientFrame(TEXT, 'Hel', false));
      raw.socket.write(clientFrame(PING, 'are you there'));
      raw.socket.write(clientFrame(CONTINUATION, 'lo, w', false));
      raw.socket.write(clientFrame(CONTINUATION, 'örld'));
      const pong = await raw.nextFrame();
      assert.equal(pong.opcode, PONG);
      assert.equal(pong.payload.toString(), 'are you there');
      raw.socket.write(clientFrame(BINARY, Buffer.from([1, 2]), false));
      raw.socket.write(clientFrame(CONTINUATION, Buffer.from([3])));
      raw.socket.write(clientFrame(CLOSE, closePayload(1000)));
      await raw.ended;
      await server.registry.drained();
      assert.equal(events.length, 3);
      assert.deepEqual(events[0], { type: 'websocket.receive', text: 'Hello, wörld' });
      const bytes = events[1];
      assert.ok(bytes?.type === 'websocket.receive' && bytes.bytes instanceof Uint8Array);
      assert.deepEqual([...bytes.bytes], [1, 2, 3]);
      assert.deepEqual(events[2], { type: 'websocket.disconnect', code: 1000, reason: '' });
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-1] closes with 1007 on a text message that is not UTF-8', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(recordingApp(events));
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/utf8'));
      raw.socket.write(clientFrame(TEXT, Buffer.from([0x61, 0xc3, 0x28])));
      const close = await raw.nextFrame();
      assert.equal(close.opcode, CLOSE);
      assert.equal(close.payload.readUInt16BE(0), 1007);
      await raw.ended;
      await server.registry.drained();
      assert.deepEqual(events, [{ type: 'websocket.disconnect', code: 1007, reason: '' }]);
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-1] closes with 1009 on a message over wsMaxMessageSize', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(recordingApp(events), { options: { wsMaxMessageSize: 1024 } });
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/big'));
      raw.socket.write(clientFrame(BINARY, Buffer.alloc(1024, 1)));
      raw.socket.write(clientFrame(BINARY, Buffer.alloc(1025, 2)));
      const close = await raw.nextFrame();
      assert.equal(close.opcode, CLOSE);
      assert.equal(close.payload.readUInt16BE(0), 1009);
      await raw.ended;
      await server.registry.drained();
      assert.equal(events.length, 2);
      assert.equal(events[0]?.type === 'websocket.receive' && events[0].bytes?.byteLength, 1024);
      assert.deepEqual(events[1], { type: 'websocket.disconnect', code: 1009, reason: '' });
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-1] counts the fragments of a message together against the size limit', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(recordingApp(events), { options: { wsMaxMessageSize: 1000 } });
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/big'));
      raw.socket.write(clientFrame(TEXT, 'a'.repeat(600), false));
      raw.socket.write(clientFrame(CONTINUATION, 'b'.repeat(600)));
      const close = await raw.nextFrame();
      assert.equal(close.payload.readUInt16BE(0), 1009);
      await raw.ended;
      await server.registry.drained();
      assert.deepEqual(events, [{ type: 'websocket.disconnect', code: 1009, reason: '' }]);
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-1] closes a peer that does not answer pings', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(recordingApp(events), {
      options: { wsPingInterval: 0.02, wsPingTimeout: 0.05 },
    });
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/silent'));
      const ping = await raw.nextFrame();
      assert.equal(ping.opcode, PING);
      // No pong: the server cuts the connection.
      await raw.ended;
      await server.registry.drained();
      assert.deepEqual(events, [{ type: 'websocket.disconnect', code: 1006, reason: '' }]);
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-1] keeps a peer that answers pings', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(recordingApp(events), {
      // A generous timeout: a busy machine may answer late, and that is not what this checks.
      options: { wsPingInterval: 0.01, wsPingTimeout: 5 },
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      let pings = 0;
      await new Promise<void>((resolve) => {
        client.ws.on('ping', () => {
          pings++;
          if (pings === 5) resolve();
        });
      });
      assert.equal(client.ws.readyState, client.ws.OPEN);
      assert.deepEqual(events, []);
      client.ws.close(1000);
      await client.closed;
    } finally {
      await server.close();
    }
  });
});
