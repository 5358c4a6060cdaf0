import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, isClientDisconnected, ProtocolError } from '../src/errors.js';
import { HarnessEndedError, HarnessErrorCode, HarnessTimeoutError } from '../src/testing/errors.js';
import { openHttp } from '../src/testing/request.js';
import type { Application, ReceiveEvent } from '../src/types.js';

/** Lets pending promise callbacks and immediates run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An app that echoes the request body, one response piece per request piece. */
const echo: Application = async (_scope, receive, send) => {
  await send({ type: 'http.response.start', status: 200 });
  for (;;) {
    const event = await receive();
    if (event.type === 'http.disconnect') throw new ClientDisconnectedError();
    if (event.type !== 'http.request') return;
    await send({ type: 'http.response.body', body: event.body, moreBody: event.moreBody });
    if (!event.moreBody) return;
  }
};

describe('openHttp(): the request body step by step', () => {
  it('[HTTP-REQ-1] [HTTP-REQ-3] each sendBody() piece is one http.request event', async () => {
    const exchange = openHttp(echo, { method: 'POST', streamBody: true });
    assert.equal(exchange.scope.headers.at(-1)?.[0], 'transfer-encoding');
    assert.deepEqual(await exchange.nextEvent(), { type: 'http.response.start', status: 200 });
    await tick();
    assert.equal(exchange.receivePending, true, 'the app waits for the body');
    exchange.sendBody('hel', { more: true });
    assert.deepEqual(await exchange.nextEvent(), {
      type: 'http.response.body',
      body: new TextEncoder().encode('hel'),
      moreBody: true,
    });
    exchange.sendBody(new Uint8Array([0x6c, 0x6f]));
    const last = await exchange.nextEvent();
    assert.equal(last.type, 'http.response.body');
    const response = await exchange.response();
    assert.equal(response.text(), 'hello');
    assert.equal(response.outcome, 'complete');
  });

  it('[HTTP-BP-2] reads an iterable body no further ahead than receive() asks', async () => {
    let pulled = 0;
    function* pieces() {
      for (const piece of ['a', 'b', 'c']) {
        pulled++;
        yield piece;
      }
    }
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await gate;
      for (;;) {
        const event = await receive();
        if (event.type !== 'http.request' || !event.moreBody) break;
      }
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    };
    const exchange = openHttp(app, { method: 'POST', body: pieces() });
    await tick();
    assert.equal(pulled, 1, 'one piece for one receive()');
    release();
    await exchange.response();
    assert.equal(pulled, 3);
  });

  it('rejects sendBody() without streamBody, after the end, and past content-length', () => {
    assert.throws(() => openHttp(echo).sendBody('x'), /streamBody/);
    const exchange = openHttp(echo, {
      method: 'POST',
      streamBody: true,
      headers: { 'content-length': '3' },
    });
    assert.throws(() => exchange.sendBody('abcd'), /content-length declares 3/);
    assert.throws(() => exchange.sendBody('ab'), /content-length declares 3/);
    exchange.sendBody('ab', { more: true });
    exchange.sendBody('c');
    assert.throws(() => exchange.sendBody('d'), /already ended/);
  });

  it('a response() timeout names the missing body', async () => {
    const exchange = openHttp(echo, { method: 'POST', streamBody: true, timeoutMs: 30 });
    await assert.rejects(
      exchange.response(),
      (error: unknown) =>
        error instanceof HarnessTimeoutError &&
        error.message.includes('send it with sendBody()') &&
        error.message.includes('state body'),
    );
    exchange.disconnect();
    await assert.doesNotReject(exchange.response({ timeoutMs: 1000 }));
  });
});

describe('openHttp(): the client leaves mid-exchange', () => {
  it('[HTTP-DISC-1] [HTTP-REQ-4] disconnect() mid-body answers a pending receive() and every later one', async () => {
    const seen: string[] = [];
    const app: Application = async (_scope, receive) => {
      for (let i = 0; i < 3; i++) seen.push((await receive()).type);
      throw new ClientDisconnectedError();
    };
    const exchange = openHttp(app, { method: 'POST', streamBody: true });
    exchange.sendBody('part', { more: true });
    await tick();
    assert.equal(exchange.receivePending, true);
    exchange.disconnect();
    const response = await exchange.response();
    assert.deepEqual(seen, ['http.request', 'http.disconnect', 'http.disconnect']);
    assert.equal(response.outcome, 'client-gone');
    assert.equal(exchange.clientGone, true);
    assert.throws(() => exchange.sendBody('more'), /client is gone/);
  });

  it('[HTTP-DISC-1] a receive() waiting for the end of the response resolves when the client leaves', async () => {
    let disconnected = false;
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200 });
      // As in spec section 3.8: one receive() stays pending to learn of the disconnect.
      const watcher = receive().then((event) => {
        disconnected = event.type === 'http.disconnect';
      });
      for (;;) {
        if (disconnected) throw new ClientDisconnectedError();
        try {
          await send({ type: 'http.response.body', body: 'tick\n', moreBody: true });
        } catch (error) {
          await watcher;
          throw error;
        }
        await tick();
      }
    };
    const exchange = openHttp(app);
    await exchange.nextEvent();
    await exchange.nextEvent();
    await exchange.nextEvent();
    exchange.disconnect();
    const response = await exchange.response();
    assert.equal(disconnected, true);
    assert.equal(response.outcome, 'client-gone');
    assert.ok(response.text().startsWith('tick\ntick\n'));
    assert.ok(isClientDisconnected(response.error));
  });
});

describe('openHttp(): backpressure [HTTP-BP-1]', () => {
  it('[HTTP-BP-1] pauseTransport() holds send() until resumeTransport()', async () => {
    const progress: string[] = [];
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200 });
      progress.push('started');
      await send({ type: 'http.response.body', body: 'a', moreBody: true });
      progress.push('a accepted');
      await send({ type: 'http.response.body', body: 'b' });
      progress.push('b accepted');
    };
    const exchange = openHttp(app);
    exchange.pauseTransport();
    assert.equal((await exchange.nextEvent()).type, 'http.response.start');
    await tick();
    assert.equal(exchange.sendPending, true);
    assert.deepEqual(progress, []);
    // Let one send through at a time: the next one is held again.
    exchange.resumeTransport();
    exchange.pauseTransport();
    assert.equal((await exchange.nextEvent()).type, 'http.response.body');
    await tick();
    assert.deepEqual(progress, ['started'], 'the slow client slows the app');
    assert.equal(exchange.sendPending, true);
    exchange.resumeTransport();
    exchange.pauseTransport();
    await exchange.nextEvent();
    await tick();
    assert.deepEqual(progress, ['started', 'a accepted']);
    exchange.resumeTransport();
    const response = await exchange.response();
    assert.deepEqual(progress, ['started', 'a accepted', 'b accepted']);
    assert.equal(response.text(), 'ab');
  });

  it('[HTTP-DISC-2] a held send() rejects with ClientDisconnectedError when the client leaves', async () => {
    let rejection: unknown;
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: 'http.response.start', status: 200 });
      try {
        await send({ type: 'http.response.body', body: 'never' });
      } catch (error) {
        rejection = error;
        throw error;
      }
    };
    const exchange = openHttp(app);
    await exchange.nextEvent();
    exchange.pauseTransport();
    await exchange.nextEvent();
    exchange.disconnect();
    const response = await exchange.response();
    assert.ok(rejection instanceof ClientDisconnectedError);
    assert.equal(response.body.byteLength, 0, 'the held bytes never reached the client');
    assert.equal(response.outcome, 'client-gone');
  });

  it('a response() timeout names the held send', async () => {
    const app: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body' });
    };
    const exchange = openHttp(app, { timeoutMs: 30 });
    exchange.pauseTransport();
    await assert.rejects(exchange.response(), (error: unknown) =>
      (error as Error).message.includes('a send() is held by pauseTransport()'),
    );
    exchange.resumeTransport();
    assert.equal((await exchange.response()).outcome, 'complete');
  });
});

describe('openHttp(): watching the application', () => {
  it('nextEvent() gives the events in order, and times out with what it awaited', async () => {
    let finish!: () => void;
    const hold = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const app: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await hold;
      await send({ type: 'http.response.body', body: 'x' });
    };
    const exchange = openHttp(app);
    assert.equal((await exchange.nextEvent()).type, 'http.response.start');
    await assert.rejects(
      exchange.nextEvent({ timeoutMs: 20 }),
      (error: unknown) =>
        error instanceof HarnessTimeoutError &&
        error.awaited.startsWith('the next event from the application (1 sent so far)'),
    );
    finish();
    assert.equal((await exchange.nextEvent()).type, 'http.response.body');
    await exchange.response();
    await assert.rejects(
      exchange.nextEvent(),
      (error: unknown) =>
        error instanceof HarnessEndedError && error.code === HarnessErrorCode.ENDED,
    );
    assert.equal(exchange.events.length, 2);
    assert.equal(exchange.state, 'complete');
  });

  it('nextEvent() rejects with the failure in strict mode once a broken app settled', async () => {
    const app: Application = async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 99 });
    };
    const exchange = openHttp(app);
    await exchange.nextEvent();
    await assert.rejects(exchange.nextEvent(), (error: unknown) => error instanceof ProtocolError);
    await assert.rejects(exchange.response(), (error: unknown) => error instanceof ProtocolError);
  });

  it('settled is the application promise; settlement says what the server did', async () => {
    const boom = new Error('boom');
    const exchange = openHttp(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      throw boom;
    });
    await assert.rejects(exchange.settled, (error: unknown) => error === boom);
    await tick();
    assert.equal(exchange.settlement?.action, 'abort');
    assert.equal(exchange.settlement?.requirement, 'HTTP-FAIL-2');
    assert.equal(exchange.settlement?.log, true);
  });

  it('the application starts after the current synchronous code', async () => {
    let called = false;
    const exchange = openHttp(async (_scope, receive, send) => {
      called = true;
      await receive();
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    });
    assert.equal(called, false);
    await exchange.response();
    assert.equal(called, true);
  });

  it('[HTTP-REQ-5] reports 100 Continue at the first receive() before the start', async () => {
    const seen: ReceiveEvent[] = [];
    const exchange = openHttp(
      async (_scope, receive, send) => {
        seen.push(await receive());
        await send({ type: 'http.response.start', status: 204 });
        await send({ type: 'http.response.body' });
      },
      { method: 'POST', body: 'x', headers: { Expect: '100-continue' } },
    );
    await exchange.response();
    assert.equal(exchange.continueSent, true);
    assert.equal(seen.length, 1);
  });

  it('a body iterable that breaks its content-length fails the request as a test error', async () => {
    const exchange = openHttp(
      async (_scope, receive, send) => {
        while ((await receive()).type === 'http.request') {
          // Read on until the disconnect.
        }
        await send({ type: 'http.response.start', status: 204 }).catch(() => {});
        throw new ClientDisconnectedError();
      },
      { method: 'POST', body: ['abc', 'def'], headers: { 'content-length': '4' }, strict: false },
    );
    await assert.rejects(exchange.response(), /more than the 4 bytes/);
  });
});
