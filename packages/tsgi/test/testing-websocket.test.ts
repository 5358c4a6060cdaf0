import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClientDisconnectedError,
  ErrorCode,
  isClientDisconnected,
  ProtocolError,
} from '../src/errors.js';
import { HarnessEndedError, HarnessTimeoutError } from '../src/testing/errors.js';
import { openWebSocket } from '../src/testing/websocket.js';
import type { Application, ReceiveEvent, SendEvent, WebSocketSendEvent } from '../src/types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function isProtocolError(requirement: string) {
  return (error: unknown) => error instanceof ProtocolError && error.requirement === requirement;
}

/** An echo app that logs what it receives. */
function echo(
  log: ReceiveEvent[] = [],
  accept: WebSocketSendEvent = { type: 'websocket.accept' },
): Application {
  return async (_scope, receive, send) => {
    log.push(await receive());
    await send(accept);
    for (;;) {
      const event = await receive();
      log.push(event);
      if (event.type === 'websocket.disconnect') return;
      if (event.type !== 'websocket.receive') throw new Error(`unexpected ${event.type}`);
      await send(
        event.text !== undefined
          ? { type: 'websocket.send', text: event.text }
          : { type: 'websocket.send', bytes: event.bytes! },
      );
    }
  };
}

/** An app that sends `events` after the connect event, then returns. */
function script(...events: SendEvent[]): Application {
  return async (_scope, receive, send) => {
    await receive();
    for (const event of events) await send(event);
  };
}

describe('openWebSocket(): the handshake', () => {
  it('[WS-CONNECT-1] [WS-ACCEPT-1] [WS-ACCEPT-3] accept gives the subprotocol and the headers', async () => {
    const log: ReceiveEvent[] = [];
    const ws = openWebSocket(
      echo(log, { type: 'websocket.accept', subprotocol: 'chat.v1', headers: [['x-room', '7']] }),
      { subprotocols: ['chat.v2', 'chat.v1'] },
    );
    assert.deepEqual(await ws.connect(), {
      kind: 'accepted',
      subprotocol: 'chat.v1',
      headers: [['x-room', '7']],
    });
    assert.deepEqual(log[0], { type: 'websocket.connect' });
    assert.equal(ws.state, 'open');
    ws.close();
    await ws.finished();
  });

  it('[WS-ACCEPT-2] rejects a subprotocol the client did not offer', async () => {
    const app = script({ type: 'websocket.accept', subprotocol: 'v3' });
    await assert.rejects(
      openWebSocket(app, { subprotocols: ['v1'] }).connect(),
      isProtocolError('WS-ACCEPT-2'),
    );
    await assert.rejects(
      openWebSocket(app, { subprotocols: ['v1'], validate: false }).connect(),
      isProtocolError('WS-ACCEPT-2'),
    );
  });

  it('[WS-CLOSE-1] websocket.close before accept denies the handshake with 403', async () => {
    const ws = openWebSocket(script({ type: 'websocket.close', code: 4000 }));
    const answer = await ws.connect();
    assert.equal(answer.kind, 'denied');
    assert.ok(answer.kind === 'denied');
    assert.equal(answer.status, 403);
    assert.equal(answer.requirement, 'WS-CLOSE-1');
    assert.equal(answer.complete, true);
    await assert.rejects(ws.receive(), (error: unknown) => error instanceof HarnessEndedError);
    assert.equal((await ws.finished()).action, 'ok');
  });

  it('[EXT-WSDENY-1] [EXT-WSDENY-2] a denial response reaches the client in place of the upgrade', async () => {
    const ws = openWebSocket(
      script(
        {
          type: 'websocket.http.response.start',
          status: 401,
          headers: [['www-authenticate', 'Bearer']],
        },
        { type: 'websocket.http.response.body', body: '{"error":', moreBody: true },
        { type: 'websocket.http.response.body', body: '"invalid token"}' },
      ),
      { path: '/chat?token=bad' },
    );
    const answer = await ws.connect();
    assert.ok(answer.kind === 'denied');
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.headers, [['www-authenticate', 'Bearer']]);
    assert.equal(answer.text(), '{"error":"invalid token"}');
    assert.equal(answer.requirement, 'EXT-WSDENY-2');
  });

  it('[EXT-WSDENY-1] rejects a denial response that was not advertised, or left unfinished', async () => {
    const start: SendEvent = { type: 'websocket.http.response.start', status: 401 };
    await assert.rejects(
      openWebSocket(script(start), { extensions: {} }).connect(),
      isProtocolError('EXT-WSDENY-1'),
    );
    const unfinished = openWebSocket(
      script(start, { type: 'websocket.http.response.body', body: 'par', moreBody: true }),
      { strict: false },
    );
    const answer = await unfinished.connect();
    assert.ok(answer.kind === 'denied');
    assert.equal(answer.complete, false);
    assert.equal(answer.text(), 'par');
    assert.equal((await unfinished.finished()).action, 'abort');
  });

  it('[WS-SERVER-2] an app that returns without answering is denied with 403', async () => {
    const ws = openWebSocket(script());
    const answer = await ws.connect();
    assert.ok(answer.kind === 'denied');
    assert.equal(answer.status, 403);
    assert.equal(answer.requirement, 'WS-SERVER-2');
  });

  it('[WS-FAIL-1] an app that throws before accepting: strict rejects, otherwise a 500', async () => {
    const boom = new Error('boom');
    const app: Application = async (_scope, receive) => {
      await receive();
      throw boom;
    };
    await assert.rejects(openWebSocket(app).connect(), (error: unknown) => error === boom);
    const ws = openWebSocket(app, { strict: false });
    const answer = await ws.connect();
    assert.ok(answer.kind === 'denied');
    assert.equal(answer.status, 500);
    assert.equal(answer.requirement, 'WS-FAIL-1');
    assert.ok(!answer.text().includes('boom'));
    assert.equal((await ws.finished()).error, boom);
  });
});

describe('openWebSocket(): messages', () => {
  it('[WS-RECV-1] [WS-SEND-1] text and bytes travel both ways as whole messages', async () => {
    const log: ReceiveEvent[] = [];
    const ws = openWebSocket(echo(log));
    await ws.connect();
    ws.sendText('hello');
    ws.sendText('');
    ws.sendBytes(new Uint8Array([1, 2, 3]));
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'hello' });
    assert.deepEqual(await ws.receive(), { type: 'text', text: '' });
    assert.deepEqual(await ws.receive(), { type: 'bytes', bytes: new Uint8Array([1, 2, 3]) });
    assert.deepEqual(log.slice(1, 3), [
      { type: 'websocket.receive', text: 'hello' },
      { type: 'websocket.receive', text: '' },
    ]);
    ws.close();
    await ws.finished();
  });

  it('[APP-6] fails an application that changes bytes it sent', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      const frame = new Uint8Array([1, 2, 3]);
      await send({ type: 'websocket.send', bytes: frame });
      frame[0] = 9;
      await send({ type: 'websocket.close' });
    };
    const ws = openWebSocket(app);
    await ws.connect();
    assert.deepEqual(await ws.receive(), { type: 'bytes', bytes: new Uint8Array([1, 2, 3]) });
    await assert.rejects(ws.finished(), isProtocolError('APP-6'));
  });

  it('[WS-SEND-1] rejects a websocket.send with both text and bytes', async () => {
    const app = script(
      { type: 'websocket.accept' },
      { type: 'websocket.send', text: 'a', bytes: new Uint8Array(1) },
    );
    const ws = openWebSocket(app, { validate: false });
    await ws.connect();
    await assert.rejects(ws.receive(), isProtocolError('WS-SEND-1'));
    await assert.rejects(ws.finished(), isProtocolError('WS-SEND-1'));
  });

  it('[WS-ACCEPT-1] rejects websocket.send before accept', async () => {
    const ws = openWebSocket(script({ type: 'websocket.send', text: 'early' }), {
      validate: false,
    });
    await assert.rejects(ws.connect(), isProtocolError('WS-ACCEPT-1'));
  });

  it('a client sends messages only once the handshake is accepted', async () => {
    const ws = openWebSocket(echo());
    assert.throws(
      () => ws.sendText('too early'),
      (error: unknown) => (error as { code?: string }).code === ErrorCode.INVALID_ARGUMENT,
    );
    await ws.connect();
    ws.disconnect();
    assert.throws(() => ws.sendText('too late'), /already closed/);
    await ws.finished();
  });

  it('[WS-BP-1] pauseTransport() holds websocket.send until resumeTransport()', async () => {
    let sent = 0;
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      for (const text of ['a', 'b']) {
        await send({ type: 'websocket.send', text });
        sent++;
      }
      await send({ type: 'websocket.close' });
    };
    const ws = openWebSocket(app);
    await ws.connect();
    ws.pauseTransport();
    await tick();
    assert.equal(sent, 0);
    assert.equal(ws.sendPending, true);
    await assert.rejects(
      ws.receive({ timeoutMs: 20 }),
      (error: unknown) =>
        error instanceof HarnessTimeoutError && error.message.includes('held by pauseTransport()'),
    );
    ws.resumeTransport();
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'a' });
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'b' });
    assert.deepEqual(await ws.receive(), { type: 'close', code: 1000, reason: '' });
    assert.equal(sent, 2);
  });
});

describe('openWebSocket(): closing', () => {
  it('[WS-DISC-1] the client closes: the app gets the code and reason on every later receive()', async () => {
    const seen: ReceiveEvent[] = [];
    const results: string[] = [];
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      seen.push(await receive(), await receive(), await receive());
      await send({ type: 'websocket.send', text: 'late' }).catch((error: unknown) => {
        results.push(isClientDisconnected(error) ? 'send rejected' : String(error));
      });
      await send({ type: 'websocket.close' });
      results.push('close resolved');
    };
    const ws = openWebSocket(app, { validate: false });
    await ws.connect();
    ws.sendText('before the close');
    ws.close(1001, 'bye');
    const end = await ws.finished();
    assert.deepEqual(seen, [
      { type: 'websocket.receive', text: 'before the close' },
      { type: 'websocket.disconnect', code: 1001, reason: 'bye' },
      { type: 'websocket.disconnect', code: 1001, reason: 'bye' },
    ]);
    assert.deepEqual(results, ['send rejected', 'close resolved']);
    assert.equal(end.action, 'client-gone');
    assert.deepEqual(await ws.receive(), { type: 'close', code: 1001, reason: '' });
  });

  it('[WS-DISC-1] a dropped connection gives 1006, and the client receives no close frame', async () => {
    const log: ReceiveEvent[] = [];
    const ws = openWebSocket(echo(log));
    await ws.connect();
    ws.disconnect();
    await ws.finished();
    assert.deepEqual(log.at(-1), { type: 'websocket.disconnect', code: 1006, reason: '' });
    await assert.rejects(ws.receive(), /connection dropped/);
  });

  it('[WS-DISC-1] the app closes: the client gets the frame, and answers with the same code', async () => {
    let after: ReceiveEvent | undefined;
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await send({ type: 'websocket.close', code: 4000, reason: 'done' });
      after = await receive();
    };
    const ws = openWebSocket(app);
    await ws.connect();
    assert.deepEqual(await ws.receive(), { type: 'close', code: 4000, reason: 'done' });
    await ws.finished();
    assert.deepEqual(after, { type: 'websocket.disconnect', code: 4000, reason: '' });
    ws.sendText('dropped, as in flight after the close');
  });

  it('[WS-CLOSE-2] rejects a reserved close code and a reason over 123 bytes', async () => {
    for (const close of [
      { type: 'websocket.close', code: 1005 },
      { type: 'websocket.close', reason: 'é'.repeat(62) },
    ] as SendEvent[]) {
      const ws = openWebSocket(script({ type: 'websocket.accept' }, close), { validate: false });
      await ws.connect();
      await assert.rejects(ws.finished(), isProtocolError('WS-CLOSE-2'));
    }
  });

  it('[WS-ORDER-1] rejects an event after websocket.close', async () => {
    const ws = openWebSocket(
      script(
        { type: 'websocket.accept' },
        { type: 'websocket.close' },
        { type: 'websocket.send', text: 'x' },
      ),
      { validate: false },
    );
    await ws.connect();
    assert.deepEqual(await ws.receive(), { type: 'close', code: 1000, reason: '' });
    await assert.rejects(ws.finished(), isProtocolError('WS-ORDER-1'));
  });

  it('[WS-SERVER-2] an app that returns after accepting: the server closes with 1000', async () => {
    const ws = openWebSocket(
      script({ type: 'websocket.accept' }, { type: 'websocket.send', text: 'bye' }),
    );
    await ws.connect();
    assert.deepEqual(await ws.receive(), { type: 'text', text: 'bye' });
    assert.deepEqual(await ws.receive(), { type: 'close', code: 1000, reason: '' });
    assert.equal((await ws.finished()).requirement, 'WS-SERVER-2');
  });

  it('[WS-FAIL-1] an app that throws after accepting: 1011, or the error in strict mode', async () => {
    const boom = new Error('boom');
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await send({ type: 'websocket.send', text: 'first' });
      throw boom;
    };
    const lenient = openWebSocket(app, { strict: false });
    await lenient.connect();
    assert.deepEqual(await lenient.receive(), { type: 'text', text: 'first' });
    assert.deepEqual(await lenient.receive(), { type: 'close', code: 1011, reason: '' });
    const end = await lenient.finished();
    assert.equal(end.action, 'close-1011');
    assert.equal(end.error, boom);
    const strict = openWebSocket(app);
    await strict.connect();
    assert.deepEqual(await strict.receive(), { type: 'text', text: 'first' });
    await assert.rejects(strict.receive(), (error: unknown) => error === boom);
  });

  it('[HTTP-DISC-4] an app that lets ClientDisconnectedError escape is no failure', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      await receive();
      throw new ClientDisconnectedError();
    };
    const ws = openWebSocket(app);
    await ws.connect();
    ws.disconnect(1001);
    const end = await ws.finished();
    assert.equal(end.action, 'client-gone');
    assert.equal(end.violation, null);
  });

  it('the client leaving during the handshake ends connect()', async () => {
    const app: Application = async (_scope, receive) => {
      await receive();
      const event = await receive();
      assert.equal(event.type, 'websocket.disconnect');
    };
    const ws = openWebSocket(app);
    await tick();
    ws.close();
    await assert.rejects(ws.connect(), (error: unknown) => error instanceof HarnessEndedError);
    await ws.finished();
  });

  it('timeouts name what was awaited', async () => {
    const ws = openWebSocket(
      async (_scope, receive) => {
        await receive();
        await receive();
      },
      { timeoutMs: 20 },
    );
    await assert.rejects(
      ws.connect(),
      (error: unknown) =>
        error instanceof HarnessTimeoutError &&
        error.message.includes('the application to answer the WebSocket handshake') &&
        error.message.includes('waits in receive()'),
    );
    ws.disconnect();
    await ws.finished();
  });
});
