import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Application,
  isClientDisconnected,
  ProtocolError,
  type WebSocketReceiveEvent,
} from 'tsgi';
import {
  clientFrame,
  closePayload,
  deferred,
  handshakeRequest,
  openClient,
  rawConnect,
  startServer,
} from './websocket-support.js';

/** Echoes every message; records every event it received. */
function echoApp(events: WebSocketReceiveEvent[]): Application {
  return async (_scope, receive, send) => {
    events.push((await receive()) as WebSocketReceiveEvent);
    await send({ type: 'websocket.accept' });
    for (;;) {
      const event = (await receive()) as WebSocketReceiveEvent;
      events.push(event);
      if (event.type === 'websocket.disconnect') return;
      if (event.type !== 'websocket.receive') continue;
      await send(
        event.text !== undefined
          ? { type: 'websocket.send', text: event.text }
          : { type: 'websocket.send', bytes: event.bytes! },
      );
    }
  };
}

describe('WebSocket messages', { timeout: 20_000 }, () => {
  it('[WS-RECV-1] echoes text as text and bytes as bytes, each message whole', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(echoApp(events));
    try {
      const client = openClient(server.url);
      await client.opened;
      client.ws.send('héllo wörld');
      const text = await client.nextMessage();
      assert.equal(text.isBinary, false);
      assert.equal(text.data.toString('utf8'), 'héllo wörld');
      client.ws.send(Buffer.from([0, 1, 2, 255]));
      const bytes = await client.nextMessage();
      assert.equal(bytes.isBinary, true);
      assert.deepEqual([...bytes.data], [0, 1, 2, 255]);
      client.ws.send('');
      assert.equal((await client.nextMessage()).data.length, 0);

      const [textEvent, bytesEvent, emptyEvent] = events.slice(1);
      assert.deepEqual(Object.keys(textEvent!).sort(), ['text', 'type']);
      assert.deepEqual(Object.keys(bytesEvent!).sort(), ['bytes', 'type']);
      assert.deepEqual(emptyEvent, { type: 'websocket.receive', text: '' });
      assert.ok(bytesEvent?.type === 'websocket.receive' && bytesEvent.bytes instanceof Uint8Array);
      client.ws.close(1000);
      await client.closed;
    } finally {
      await server.close();
    }
  });

  it('[WS-RECV-1] delivers a large binary message whole, as a Uint8Array', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(echoApp(events));
    try {
      const client = openClient(server.url);
      await client.opened;
      const payload = Buffer.alloc(300_000, 7);
      payload[299_999] = 9;
      client.ws.send(payload);
      const echoed = await client.nextMessage();
      assert.equal(echoed.data.length, 300_000);
      assert.equal(echoed.data[299_999], 9);
      const event = events[1]!;
      assert.ok(event.type === 'websocket.receive' && event.bytes !== undefined);
      assert.equal(event.bytes.byteLength, 300_000);
      client.ws.close();
      await client.closed;
    } finally {
      await server.close();
    }
  });

  it('[WS-DISC-1] a client close gives its code and reason, repeated on every later receive', async () => {
    const done = deferred<{ events: unknown[]; send: unknown; close: unknown }>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      const events = [await receive(), await receive(), await receive()];
      let sendOutcome: unknown = 'resolved';
      try {
        await send({ type: 'websocket.send', text: 'too late' });
      } catch (error) {
        sendOutcome = error;
      }
      const close = await send({ type: 'websocket.close', code: 1000 });
      done.resolve({ events, send: sendOutcome, close });
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      client.ws.close(4001, 'later');
      const { code } = await client.closed;
      assert.equal(code, 4001);
      const outcome = await done.promise;
      for (const event of outcome.events) {
        assert.deepEqual(event, { type: 'websocket.disconnect', code: 4001, reason: 'later' });
      }
      assert.ok(isClientDisconnected(outcome.send), String(outcome.send));
      assert.equal(outcome.close, undefined);
    } finally {
      await server.close();
    }
  });

  it('[WS-DISC-1] a close frame without a code gives 1005', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(echoApp(events));
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/x'));
      raw.socket.write(clientFrame(0x8, Buffer.alloc(0)));
      const answer = await raw.nextFrame();
      assert.equal(answer.opcode, 0x8);
      await raw.ended;
      await server.registry.drained();
      assert.deepEqual(events.at(-1), { type: 'websocket.disconnect', code: 1005, reason: '' });
    } finally {
      await server.close();
    }
  });

  it('[WS-DISC-1] a dropped connection gives 1006', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(echoApp(events));
    try {
      const client = openClient(server.url);
      await client.opened;
      client.ws.terminate();
      await server.registry.drained();
      assert.deepEqual(events.at(-1), { type: 'websocket.disconnect', code: 1006, reason: '' });
    } finally {
      await server.close();
    }
  });

  it('[WS-DISC-1] a pending receive() gives the disconnect when the client leaves', async () => {
    const pending = deferred<{ first: Promise<unknown> }>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      const first = receive();
      pending.resolve({ first });
      await first;
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      const { first } = await pending.promise;
      client.ws.close(4002);
      assert.deepEqual(await first, { type: 'websocket.disconnect', code: 4002, reason: '' });
    } finally {
      await server.close();
    }
  });

  it('[WS-CLOSE-2] the app closes with its code and reason; receive() then gives the client answer, not later messages', async () => {
    const after = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await send({ type: 'websocket.close', code: 4000, reason: 'bye' });
      after.resolve(await receive());
    });
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/x'));
      const frame = await raw.nextFrame();
      assert.equal(frame.opcode, 0x8);
      assert.equal(frame.payload.readUInt16BE(0), 4000);
      assert.equal(frame.payload.subarray(2).toString(), 'bye');
      // A message that crosses the close is dropped; the client then answers
      // with a code of its own, which is what the app sees.
      raw.socket.write(clientFrame(0x1, 'crossing'));
      raw.socket.write(clientFrame(0x8, closePayload(4005, 'mine')));
      await raw.ended;
      assert.deepEqual(await after.promise, {
        type: 'websocket.disconnect',
        code: 4005,
        reason: 'mine',
      });
    } finally {
      await server.close();
    }
  });

  it('[WS-CLOSE-2] a reserved close code is rejected and nothing is sent', async () => {
    const outcome = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      try {
        await send({ type: 'websocket.close', code: 1006 });
        outcome.resolve('sent');
      } catch (error) {
        outcome.resolve(error);
      }
      await receive();
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      const error = await outcome.promise;
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.requirement, 'WS-CLOSE-2');
      client.ws.close(4003);
      // The close frame that arrives is the client's own answered one, not 1006.
      assert.equal((await client.closed).code, 4003);
    } finally {
      await server.close();
    }
  });

  it('[WS-ORDER-1] sending after websocket.close is rejected', async () => {
    const outcome = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await send({ type: 'websocket.close' });
      try {
        await send({ type: 'websocket.send', text: 'after close' });
        outcome.resolve('sent');
      } catch (error) {
        outcome.resolve(error);
      }
    });
    try {
      const client = openClient(server.url);
      assert.equal((await client.closed).code, 1000);
      const error = await outcome.promise;
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.requirement, 'WS-ORDER-1');
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-2] an app that returns after accept gets the connection closed with 1000', async () => {
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await send({ type: 'websocket.send', text: 'one message' });
    });
    try {
      const client = openClient(server.url);
      assert.equal((await client.nextMessage()).data.toString(), 'one message');
      assert.equal((await client.closed).code, 1000);
      assert.deepEqual(server.errors(), []);
    } finally {
      await server.close();
    }
  });

  it('[WS-FAIL-1] an app that throws after accept gets the connection closed with 1011, logged', async () => {
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      throw new Error('handler exploded');
    });
    try {
      const client = openClient(server.url);
      assert.equal((await client.closed).code, 1011);
      await server.registry.drained();
      assert.equal(server.errors().length, 1);
      assert.match(server.log.lines.join('\n'), /handler exploded/);
    } finally {
      await server.close();
    }
  });

  it('[WS-SEND-1] a message with both text and bytes is rejected with a ProtocolError', async () => {
    const outcome = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      try {
        await send({ type: 'websocket.send', text: 'a', bytes: new Uint8Array(1) });
        outcome.resolve('sent');
      } catch (error) {
        outcome.resolve(error);
      }
    });
    try {
      const client = openClient(server.url);
      const error = await outcome.promise;
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.requirement, 'WS-SEND-1');
      assert.equal((await client.closed).code, 1011);
    } finally {
      await server.close();
    }
  });

  it('[WS-DISC-1] the app sees the code of a close the client sent on a raw frame', async () => {
    const events: WebSocketReceiveEvent[] = [];
    const server = await startServer(echoApp(events));
    try {
      const raw = await rawConnect(server.port, handshakeRequest('/x'));
      raw.socket.write(clientFrame(0x8, closePayload(3001, 'raw reason')));
      const answer = await raw.nextFrame();
      assert.equal(answer.opcode, 0x8);
      assert.equal(answer.payload.readUInt16BE(0), 3001);
      await raw.ended;
      await server.registry.drained();
      assert.deepEqual(events.at(-1), {
        type: 'websocket.disconnect',
        code: 3001,
        reason: 'raw reason',
      });
    } finally {
      await server.close();
    }
  });
});
