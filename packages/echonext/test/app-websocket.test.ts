import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SendEvent, WebSocketReceiveEvent, WebSocketScope } from 'tsgi';
import { EchoNext } from '../src/app.js';
import { AppError, AppErrorCode } from '../src/app-errors.js';
import { Unauthorized } from '../src/http-error.js';
import { RouterError, RouterErrorCode } from '../src/router/errors.js';
import { TestClient } from '../src/testing.js';
import { WebSocket, WebSocketDisconnect } from '../src/websocket.js';

function quiet() {
  const entries: unknown[] = [];
  return { entries, error: (_message: string, error: unknown) => entries.push(error) };
}

function wsScope(fields: Partial<WebSocketScope> = {}): WebSocketScope {
  return {
    type: 'websocket',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    scheme: 'ws',
    path: '/',
    rawPath: '/',
    queryString: '',
    rootPath: '',
    headers: [],
    client: null,
    server: null,
    subprotocols: [],
    extensions: {},
    ...fields,
  };
}

/** Drives one WebSocket connection by hand: the given events, then a disconnect. */
async function drive(
  app: (
    scope: WebSocketScope,
    receive: () => Promise<WebSocketReceiveEvent>,
    send: (event: SendEvent) => Promise<void>,
  ) => Promise<void>,
  scope: WebSocketScope,
  events: WebSocketReceiveEvent[],
): Promise<SendEvent[]> {
  const sent: SendEvent[] = [];
  await app(
    scope,
    async () => events.shift() ?? { type: 'websocket.disconnect', code: 1006, reason: '' },
    async (event) => void sent.push(event),
  );
  return sent;
}

describe('WebSocket routes', () => {
  it('accept, receive and send text, bytes and JSON, with route parameters', async () => {
    const app = new EchoNext();
    app.websocket('/ws/{room}', async (ws) => {
      await ws.accept();
      const text = await ws.receiveText();
      await ws.sendText(`${ws.params.room}: ${text}`);
      const bytes = await ws.receiveBytes();
      await ws.sendBytes(bytes.map((byte) => byte + 1));
      const value = await ws.receiveJson<{ n: number }>();
      await ws.sendJson({ n: value.n * 2 });
    });
    const ws = await new TestClient(app).websocket('/ws/lobby');
    assert.equal((await ws.connect()).kind, 'accepted');
    ws.sendText('hi');
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'lobby: hi' });
    ws.sendBytes(new Uint8Array([1, 2]));
    const bytes = await ws.receive();
    assert.equal(bytes.type, 'bytes');
    assert.deepEqual(bytes.type === 'bytes' ? [...bytes.bytes] : [], [2, 3]);
    ws.sendText('{"n":21}');
    assert.deepEqual(await ws.receive(), { type: 'text', text: '{"n":42}' });
    // The handler returned: the app closes the connection with 1000.
    assert.deepEqual(await ws.receive(), { type: 'close', code: 1000, reason: '' });
  });

  it('iterate over messages until the client closes', async () => {
    const received: unknown[] = [];
    let ended = false;
    const app = new EchoNext();
    app.websocket('/echo', async (ws) => {
      await ws.accept();
      for await (const message of ws) {
        received.push(message);
        await ws.sendText(String(message));
      }
      ended = true;
      assert.equal(ws.disconnect?.closeCode, 4000);
    });
    const ws = await new TestClient(app).websocket('/echo');
    await ws.connect();
    ws.sendText('a');
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'a' });
    ws.close(4000);
    await ws.finished();
    assert.deepEqual(received, ['a']);
    assert.equal(ended, true);
  });

  it('accept a subprotocol the client offered, and refuse one it did not', async () => {
    const app = new EchoNext({ logger: quiet() });
    app.websocket('/chat', async (ws) => {
      await ws.accept(ws.subprotocols.includes('chat.v2') ? 'chat.v2' : 'nope');
    });
    const client = new TestClient(app);
    const good = await client.websocket('/chat', { subprotocols: ['chat.v1', 'chat.v2'] });
    assert.deepEqual(await good.connect(), {
      kind: 'accepted',
      subprotocol: 'chat.v2',
      headers: [],
    });
    const bad = await client.websocket('/chat', { subprotocols: ['chat.v1'] });
    const handshake = await bad.connect();
    assert.equal(handshake.kind, 'denied');
  });

  it('[WS-CLOSE-1] deny a handshake that matches no route with 403', async () => {
    const app = new EchoNext();
    app.websocket('/ws', async (ws) => ws.accept());
    const handshake = await (await new TestClient(app).websocket('/other')).connect();
    assert.equal(handshake.kind, 'denied');
    assert.equal(handshake.kind === 'denied' ? handshake.status : 0, 403);
    const sent = await drive(app, wsScope({ path: '/other', rawPath: '/other' }), [
      { type: 'websocket.connect' },
    ]);
    assert.deepEqual(sent, [{ type: 'websocket.close', code: 1000, reason: '' }]);
  });

  it('[WS-CLOSE-1] deny a handshake the handler did not accept', async () => {
    const app = new EchoNext();
    app.websocket('/ws', () => {});
    const handshake = await (await new TestClient(app).websocket('/ws')).connect();
    assert.equal(handshake.kind === 'denied' ? handshake.status : 0, 403);
  });

  it('deny with the status of an HTTPError thrown before accept', async () => {
    const logger = quiet();
    const app = new EchoNext({ logger });
    app.websocket('/private', (ws) => {
      if (!ws.cookies.has('session')) throw new Unauthorized();
    });
    app.websocket('/broken', () => {
      throw new Error('handler bug');
    });
    const client = new TestClient(app);
    const private_ = await (await client.websocket('/private')).connect();
    assert.equal(private_.kind === 'denied' ? private_.status : 0, 401);
    assert.equal(private_.kind === 'denied' ? private_.text() : '', 'Unauthorized');
    const broken = await (await client.websocket('/broken')).connect();
    assert.equal(broken.kind === 'denied' ? broken.status : 0, 500);
    assert.equal(logger.entries.length, 1);
    // Without the denial-response extension, the denial is a close (a 403 for the client).
    const sent = await drive(app, wsScope({ path: '/private', rawPath: '/private' }), [
      { type: 'websocket.connect' },
    ]);
    assert.deepEqual(sent, [{ type: 'websocket.close' }]);
  });

  it('close with 1011 after an error once open, and 1003 for a message of the wrong kind', async () => {
    const logger = quiet();
    const app = new EchoNext({ logger });
    app.websocket('/fail', async (ws) => {
      await ws.accept();
      await ws.receiveText();
      throw new Error('later failure');
    });
    app.websocket('/text-only', async (ws) => {
      await ws.accept();
      await ws.receiveText();
    });
    const client = new TestClient(app);
    const fail = await client.websocket('/fail');
    await fail.connect();
    fail.sendText('x');
    assert.deepEqual(await fail.receive(), { type: 'close', code: 1011, reason: '' });
    const textOnly = await client.websocket('/text-only');
    await textOnly.connect();
    textOnly.sendBytes(new Uint8Array([1]));
    assert.deepEqual(await textOnly.receive(), { type: 'close', code: 1003, reason: '' });
    assert.equal(logger.entries.length, 2);
  });

  it('see the lifespan state, the query and the headers', async () => {
    const app = new EchoNext();
    app.onStartup((state) => {
      state.motd = 'welcome';
    });
    app.websocket('/ws', async (ws) => {
      await ws.accept();
      await ws.sendJson({
        motd: ws.state.motd,
        token: ws.query.get('token'),
        agent: ws.headers.get('user-agent'),
        path: ws.path,
      });
    });
    const ws = await new TestClient(app).websocket('/ws', {
      query: { token: 'abc' },
      headers: { 'User-Agent': 'test' },
    });
    await ws.connect();
    const message = await ws.receive();
    assert.deepEqual(JSON.parse(message.type === 'text' ? message.text : 'null'), {
      motd: 'welcome',
      token: 'abc',
      agent: 'test',
      path: '/ws',
    });
  });

  it('are named and built with urlFor, under sub-app prefixes too', () => {
    const chat = new EchoNext({ namespace: 'chat' });
    chat.websocket('/room/{room}', async () => {}, { name: 'room' });
    const app = new EchoNext();
    app.include('/chat', chat);
    assert.equal(app.urlFor('chat:room', { room: 'a b' }), '/chat/room/a%20b');
    assert.equal(chat.urlFor('room', { room: 'x' }), '/chat/room/x');
  });

  it('refuse a name an HTTP route already has, and a handler that is not a function', () => {
    const app = new EchoNext();
    app.get('/page', () => 'x', { name: 'page' });
    assert.throws(
      () => app.websocket('/ws', async () => {}, { name: 'page' }),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.DUPLICATE_NAME,
    );
    assert.throws(() => app.websocket('/ws2', 'x' as never), AppError);
  });

  it('are served under an included sub-app prefix', async () => {
    const chat = new EchoNext();
    chat.websocket('/live', async (ws) => {
      await ws.accept();
      await ws.sendText(ws.path);
    });
    const app = new EchoNext();
    app.include('/chat', chat);
    const ws = await new TestClient(app).websocket('/chat/live');
    await ws.connect();
    assert.deepEqual(await ws.receive(), { type: 'text', text: '/chat/live' });
  });
});

describe('the WebSocket wrapper', () => {
  it('refuses calls in the wrong state', async () => {
    const ws = new WebSocket(
      wsScope(),
      async () => ({ type: 'websocket.connect' }),
      async () => {},
      {},
    );
    await assert.rejects(
      ws.sendText('x'),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.WEBSOCKET_STATE,
    );
    await assert.rejects(ws.receive(), AppError);
    await ws.accept();
    await assert.rejects(ws.accept(), AppError);
    await ws.close();
    assert.equal(ws.status, 'closed');
    await ws.close();
  });

  it('throws WebSocketDisconnect when the client leaves during the handshake', async () => {
    const ws = new WebSocket(
      wsScope(),
      async () => ({ type: 'websocket.disconnect', code: 1001, reason: 'bye' }),
      async () => {},
      {},
    );
    await assert.rejects(
      ws.accept(),
      (error: unknown) =>
        error instanceof WebSocketDisconnect && error.closeCode === 1001 && error.reason === 'bye',
    );
    assert.equal(ws.status, 'closed');
    await assert.rejects(ws.receive(), WebSocketDisconnect);
  });
});
