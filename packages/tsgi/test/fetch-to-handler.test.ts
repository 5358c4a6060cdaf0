import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, isClientDisconnected, ProtocolError } from '../src/errors.js';
import { toFetchHandler } from '../src/fetch/to-fetch-handler.js';
import type {
  Application,
  HttpReceiveEvent,
  HttpScope,
  Receive,
  Scope,
  Send,
  SendEvent,
} from '../src/types.js';
import { asRequest, bytes, stillPending } from './fetch-driver.js';

/** Runs `app` for one request and gives back the scope it saw. */
async function scopeOf(
  request: Request,
  options: Parameters<typeof toFetchHandler>[1] = {},
  info?: unknown,
): Promise<HttpScope> {
  let seen: Scope | undefined;
  const handler = toFetchHandler(async (scope, _receive, send) => {
    seen = scope;
    await send({ type: 'http.response.start', status: 204 });
    await send({ type: 'http.response.body' });
  }, options);
  const response = await handler(request, info);
  assert.equal(response.status, 204);
  assert.ok(seen !== undefined && seen.type === 'http');
  return seen;
}

/** An app that answers with the given events, recording errors. */
function replying(events: SendEvent[]): Application {
  return async (_scope, _receive, send) => {
    for (const event of events) await send(event);
  };
}

function errors(): { list: unknown[]; onError: (error: unknown) => void } {
  const list: unknown[] = [];
  return { list, onError: (error) => list.push(error) };
}

/** A request body stream that yields `count` chunks of `size` bytes on demand. */
function producer(
  count: number,
  size: number,
): { stream: ReadableStream<Uint8Array>; made: () => number } {
  let made = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (made === count) {
          controller.close();
          return;
        }
        const chunk = new Uint8Array(size).fill(made % 251);
        made++;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, made: () => made };
}

function post(body: ReadableStream<Uint8Array>, signal?: AbortSignal): Request {
  return new Request('http://example.test/upload', {
    method: 'POST',
    body,
    duplex: 'half',
    signal,
  } as RequestInit);
}

describe('toFetchHandler: the scope', () => {
  it('[HTTP-SCOPE-6] [HTTP-SCOPE-7] [HTTP-SCOPE-8] decodes path, keeps rawPath and the raw query', async () => {
    const scope = await scopeOf(
      new Request('http://example.test:8080/caf%C3%A9/a%2Fb/%FF/100%25?x=1&y=%20&z=%2F#frag'),
    );
    assert.equal(scope.path, '/café/a/b/\uFFFD/100%');
    assert.equal(scope.rawPath, '/caf%C3%A9/a%2Fb/%FF/100%25');
    assert.equal(scope.queryString, 'x=1&y=%20&z=%2F');
  });

  it('[HTTP-SCOPE-8] gives an empty queryString when there is none', async () => {
    const scope = await scopeOf(new Request('http://example.test/plain'));
    assert.equal(scope.queryString, '');
    assert.equal(scope.rawPath, '/plain');
  });

  it('[HTTP-SCOPE-1] [HTTP-SCOPE-2] [HTTP-SCOPE-3] [HTTP-SCOPE-5] [HTTP-SCOPE-16] fills the fixed fields', async () => {
    const scope = await scopeOf(new Request('https://example.test/', { method: 'PATCH' }));
    assert.equal(scope.type, 'http');
    assert.deepEqual(scope.tsgi, { version: '1.0' });
    assert.equal(scope.httpVersion, '1.1');
    assert.equal(scope.method, 'PATCH');
    assert.equal(scope.scheme, 'https');
    assert.equal(scope.rootPath, '');
    assert.deepEqual(scope.extensions, {});
    assert.equal('state' in scope, false);
    const h2 = await scopeOf(new Request('http://example.test/'), { httpVersion: '2' });
    assert.equal(h2.httpVersion, '2');
    assert.equal(h2.scheme, 'http');
  });

  it('[HTTP-SCOPE-14] takes the server address from the URL', async () => {
    assert.deepEqual((await scopeOf(new Request('http://example.test:8080/'))).server, {
      host: 'example.test',
      port: 8080,
    });
    assert.deepEqual((await scopeOf(new Request('https://example.test/'))).server, {
      host: 'example.test',
      port: 443,
    });
    assert.deepEqual((await scopeOf(new Request('http://[::1]:3000/x'))).server, {
      host: '::1',
      port: 3000,
    });
  });

  it('[HTTP-SCOPE-13] takes the client from the option, from info, or gives null', async () => {
    const url = 'http://example.test/';
    assert.equal((await scopeOf(new Request(url))).client, null);
    assert.deepEqual(
      (await scopeOf(new Request(url), {}, { remoteAddress: '192.0.2.1', remotePort: 5000 }))
        .client,
      { host: '192.0.2.1', port: 5000 },
    );
    assert.deepEqual(
      (await scopeOf(new Request(url), {}, { remoteAddr: { hostname: '::1', port: 6000 } })).client,
      { host: '::1', port: 6000 },
    );
    const bunLike = { requestIP: (r: Request) => ({ address: '203.0.113.9', port: r.url.length }) };
    assert.deepEqual((await scopeOf(new Request(url), {}, bunLike)).client, {
      host: '203.0.113.9',
      port: url.length,
    });
    const fromOption = await scopeOf(
      new Request(url),
      { client: (_request, info) => ({ host: String(info), port: null }) },
      'peer.sock',
    );
    assert.deepEqual(fromOption.client, { host: 'peer.sock', port: null });
  });

  it('[HTTP-SCOPE-10] gives lowercase header pairs, duplicates as Headers joined them, in order', async () => {
    const headers = new Headers();
    headers.append('X-Trace', 'first');
    headers.append('Accept', 'text/html');
    headers.append('x-trace', 'second');
    const scope = await scopeOf(new Request('http://example.test/', { headers }));
    assert.deepEqual(scope.headers, [
      ['accept', 'text/html'],
      ['x-trace', 'first, second'],
    ]);
  });

  it('[HTTP-SCOPE-10] keeps each set-cookie of a request as its own pair', async () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT');
    headers.append('set-cookie', 'b=2');
    const scope = await scopeOf(new Request('http://example.test/', { headers }));
    assert.deepEqual(
      scope.headers.filter(([name]) => name === 'set-cookie'),
      [
        ['set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
        ['set-cookie', 'b=2'],
      ],
    );
  });

  it('[HTTP-SCOPE-12] joins cookie fields into one cookie header with "; "', async () => {
    const headers = new Headers();
    headers.append('cookie', 'a=1');
    headers.append('cookie', 'b=2');
    const scope = await scopeOf(new Request('http://example.test/', { headers }));
    assert.deepEqual(
      scope.headers.filter(([name]) => name === 'cookie'),
      [['cookie', 'a=1; b=2']],
    );
    // A runtime that merged the fields with ", " gets them split back, but a
    // comma inside a cookie value stays.
    const merged = await scopeOf(
      new Request('http://example.test/', {
        headers: { cookie: 'a=1, b=2, when=Wed, 21 Oct 2015' },
      }),
    );
    assert.deepEqual(
      merged.headers.filter(([name]) => name === 'cookie'),
      [['cookie', 'a=1; b=2; when=Wed, 21 Oct 2015']],
    );
  });

  it('[HTTP-SCOPE-9] keeps rootPath in path and refuses requests outside it', async () => {
    const scope = await scopeOf(new Request('http://example.test/api/users'), { rootPath: '/api' });
    assert.equal(scope.rootPath, '/api');
    assert.equal(scope.path, '/api/users');
    let called = false;
    const handler = toFetchHandler(
      async () => {
        called = true;
      },
      { rootPath: '/api' },
    );
    const response = await handler(new Request('http://example.test/apiary'));
    assert.equal(response.status, 404);
    assert.equal(called, false);
    assert.throws(() => toFetchHandler(replying([]), { rootPath: '/api/' }), {
      code: 'ERR_TSGI_INVALID_ARGUMENT',
    });
    assert.throws(() => toFetchHandler(replying([]), { rootPath: 'api' }), {
      code: 'ERR_TSGI_INVALID_ARGUMENT',
    });
  });

  it('[LS-STATE-1] copies the state option shallowly into each scope', async () => {
    const shared = { pool: { size: 3 } };
    const state = { counter: 1, shared };
    const first = await scopeOf(new Request('http://example.test/'), { state });
    const second = await scopeOf(new Request('http://example.test/'), { state });
    assert.deepEqual(first.state, state);
    assert.notEqual(first.state, state);
    assert.notEqual(first.state, second.state);
    assert.equal(first.state?.shared, shared);
  });
});

describe('toFetchHandler: the request body', () => {
  it('[HTTP-REQ-2] [HTTP-DISC-3] gives one empty final event, then http.disconnect after the response', async () => {
    const seen: HttpReceiveEvent[] = [];
    const handler = toFetchHandler(async (_scope, receive, send) => {
      seen.push((await receive()) as HttpReceiveEvent);
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'ok' });
      seen.push((await receive()) as HttpReceiveEvent);
    });
    const response = await handler(new Request('http://example.test/'));
    assert.equal(await response.text(), 'ok');
    // The app settles after its last receive.
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(seen.length, 2);
    assert.equal(asRequest(seen[0]!).moreBody, false);
    assert.equal(asRequest(seen[0]!).body.byteLength, 0);
    assert.equal(seen[1]!.type, 'http.disconnect');
  });

  it('[HTTP-REQ-1] streams a body of many chunks as http.request events', async () => {
    const { stream } = producer(40, 100);
    const events: Array<{ length: number; moreBody: boolean }> = [];
    const handler = toFetchHandler(async (_scope, receive, send) => {
      for (;;) {
        const event = asRequest(await receive());
        events.push({ length: event.body.byteLength, moreBody: event.moreBody });
        if (!event.moreBody) break;
      }
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: String(events.length) });
    });
    const response = await handler(post(stream));
    assert.equal(await response.text(), '41');
    assert.deepEqual(events.slice(0, 40), Array(40).fill({ length: 100, moreBody: true }));
    assert.deepEqual(events[40], { length: 0, moreBody: false });
  });

  it('[HTTP-BP-2] reads a 4 MiB body progressively, no further ahead than the app', async () => {
    const chunkSize = 64 * 1024;
    const count = 64;
    const { stream, made } = producer(count, chunkSize);
    const madeAtEachEvent: number[] = [];
    let total = 0;
    const handler = toFetchHandler(async (_scope, receive, send) => {
      for (;;) {
        const event = asRequest(await receive());
        madeAtEachEvent.push(made());
        total += event.body.byteLength;
        if (!event.moreBody) break;
        // The app is slower than the client.
        if (madeAtEachEvent.length % 16 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: String(total) });
    });
    const response = await handler(post(stream));
    assert.equal(await response.text(), String(count * chunkSize));
    // Each event arrived when only a chunk or two more had been produced.
    for (let i = 0; i < count; i++) assert.ok(madeAtEachEvent[i]! <= i + 2, `event ${i}`);
  });
});

describe('toFetchHandler: the response', () => {
  it('encodes string bodies as UTF-8 and gives a whole body in one piece', async () => {
    const handler = toFetchHandler(
      replying([
        { type: 'http.response.start', status: 201, headers: [['content-type', 'text/plain']] },
        { type: 'http.response.body', body: 'héllo ✓' },
      ]),
    );
    const response = await handler(new Request('http://example.test/'));
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'text/plain');
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes('héllo ✓'));
  });

  it('[HTTP-RESP-12] appends each set-cookie on its own, never joined', async () => {
    const handler = toFetchHandler(
      replying([
        {
          type: 'http.response.start',
          status: 200,
          headers: [
            ['set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
            ['x-dup', 'one'],
            ['set-cookie', 'b=2; Path=/'],
            ['x-dup', 'two'],
          ],
        },
        { type: 'http.response.body' },
      ]),
    );
    const response = await handler(new Request('http://example.test/'));
    assert.deepEqual(response.headers.getSetCookie(), [
      'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT',
      'b=2; Path=/',
    ]);
    assert.equal(response.headers.get('x-dup'), 'one, two');
  });

  it('resolves the Response at the first body event and streams the rest', async () => {
    let releaseSecond: () => void = () => {};
    const secondMayGo = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    const log = errors();
    let settled = false;
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({ type: 'http.response.start', status: 200 });
        // Not awaited: its send() waits for the reader (HTTP-BP-1).
        const first = send({ type: 'http.response.body', body: 'one,', moreBody: true });
        await secondMayGo;
        await first;
        await send({ type: 'http.response.body', body: bytes('two,'), moreBody: true });
        await send({ type: 'http.response.body', body: 'three', moreBody: false });
        settled = true;
      },
      { onError: log.onError },
    );
    const response = await handler(new Request('http://example.test/'));
    // The app is still holding its second chunk back.
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    assert.equal(decoder.decode((await reader.read()).value), 'one,');
    releaseSecond();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    assert.equal(rest, 'two,three');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(settled, true);
    assert.deepEqual(log.list, [], 'a complete response is no error');
  });

  it('[HTTP-BP-1] keeps send() pending until the consumer reads', async () => {
    const sends: Promise<void>[] = [];
    const handler = toFetchHandler(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      sends.push(send({ type: 'http.response.body', body: 'a', moreBody: true }));
      await sends[0];
      sends.push(send({ type: 'http.response.body', body: 'b', moreBody: true }));
      await sends[1];
      await send({ type: 'http.response.body', body: 'c' });
    });
    const response = await handler(new Request('http://example.test/'));
    assert.equal(sends.length, 1);
    assert.equal(await stillPending(sends[0]!), true, 'send resolved before anyone read');
    const reader = response.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'a');
    await sends[0];
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(sends.length, 2);
    assert.equal(await stillPending(sends[1]!), true, 'second send resolved before the read');
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'b');
    await sends[1];
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'c');
    assert.equal((await reader.read()).done, true);
  });

  it('[HTTP-RESP-10] gives HEAD a null body and keeps content-length', async () => {
    const handler = toFetchHandler(
      replying([
        { type: 'http.response.start', status: 200, headers: [['content-length', '5']] },
        { type: 'http.response.body', body: '', moreBody: true },
        { type: 'http.response.body', body: '' },
      ]),
    );
    const response = await handler(new Request('http://example.test/', { method: 'HEAD' }));
    assert.equal(response.status, 200);
    assert.equal(response.body, null);
    assert.equal(response.headers.get('content-length'), '5');
  });

  it('[HTTP-RESP-10] gives 204 and 304 a null body, and 204 no content-length', async () => {
    for (const status of [204, 304]) {
      const handler = toFetchHandler(
        replying([
          { type: 'http.response.start', status, headers: [['content-length', '12']] },
          { type: 'http.response.body' },
        ]),
      );
      const response = await handler(new Request('http://example.test/'));
      assert.equal(response.status, status);
      assert.equal(response.body, null);
      assert.equal(response.headers.get('content-length'), status === 304 ? '12' : null);
    }
  });
});

describe('toFetchHandler: failures', () => {
  it('[HTTP-FAIL-1] answers 500 with a body that reveals nothing when the app throws before start', async () => {
    const log = errors();
    const handler = toFetchHandler(
      async () => {
        throw new Error('secret database password');
      },
      { onError: log.onError },
    );
    const response = await handler(new Request('http://example.test/'));
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.doesNotMatch(text, /secret/);
    assert.equal(log.list.length, 1);
    assert.match((log.list[0] as Error).message, /secret database password/);
  });

  it('[HTTP-FAIL-1] answers 500 when the app throws synchronously', async () => {
    const log = errors();
    const app = (() => {
      throw new TypeError('not async');
    }) as unknown as Application;
    const response = await toFetchHandler(app, { onError: log.onError })(
      new Request('http://example.test/'),
    );
    assert.equal(response.status, 500);
    assert.equal(log.list.length, 1);
  });

  it('[HTTP-FAIL-3] answers 500 when the app returns without starting a response', async () => {
    const log = errors();
    const handler = toFetchHandler(async () => {}, { onError: log.onError });
    const response = await handler(new Request('http://example.test/'));
    assert.equal(response.status, 500);
    assert.ok(log.list[0] instanceof ProtocolError);
    assert.equal((log.list[0] as ProtocolError).requirement, 'HTTP-FAIL-5');
  });

  it('[HTTP-FAIL-2] errors the body stream when the app throws after start', async () => {
    const log = errors();
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({ type: 'http.response.start', status: 200 });
        const first = send({ type: 'http.response.body', body: 'partial', moreBody: true });
        await first;
        throw new Error('broke mid-way');
      },
      { onError: log.onError },
    );
    const response = await handler(new Request('http://example.test/'));
    assert.equal(response.status, 200);
    await assert.rejects(response.text(), /broke mid-way/);
    assert.equal(log.list.length, 1);
  });

  it('[HTTP-FAIL-2] errors the body stream when the app throws after start but before any body', async () => {
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({ type: 'http.response.start', status: 200, headers: [['x-a', '1']] });
        throw new Error('no body for you');
      },
      { onError: () => {} },
    );
    const response = await handler(new Request('http://example.test/'));
    assert.equal(response.headers.get('x-a'), '1');
    await assert.rejects(response.arrayBuffer(), /no body for you/);
  });

  it('[HTTP-FAIL-3] errors the body stream when the app returns after start without finishing', async () => {
    const log = errors();
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({ type: 'http.response.start', status: 200 });
        const piece = send({ type: 'http.response.body', body: 'half', moreBody: true });
        void piece.catch(() => {});
      },
      { onError: log.onError },
    );
    const response = await handler(new Request('http://example.test/'));
    await assert.rejects(response.text(), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.requirement, 'HTTP-FAIL-5');
      return true;
    });
    assert.equal(log.list.length, 1);
  });

  it('rejects events that break the protocol with the requirement ID, and aborts', async () => {
    const cases: Array<{ id: string; events: SendEvent[] }> = [
      { id: 'HTTP-RESP-5', events: [{ type: 'http.response.body', body: 'x' }] },
      { id: 'HTTP-RESP-2', events: [{ type: 'http.response.start', status: 600 }] },
      {
        id: 'HTTP-RESP-3',
        events: [{ type: 'http.response.start', status: 200, headers: [['Bad Name', 'x']] }],
      },
      { id: 'EXT-1', events: [{ type: 'http.response.earlyHints', headers: [] }] },
      { id: 'SRV-3', events: [{ type: 'http.nonsense' } as unknown as SendEvent] },
      {
        id: 'HTTP-RESP-4',
        events: [
          { type: 'http.response.start', status: 200 },
          { type: 'http.response.start', status: 200 },
        ],
      },
      {
        id: 'EXT-1',
        events: [
          { type: 'http.response.start', status: 200 },
          { type: 'http.response.trailers', headers: [] },
        ],
      },
    ];
    for (const { id, events } of cases) {
      let rejected: unknown;
      const log = errors();
      const handler = toFetchHandler(
        async (_scope, _receive, send: Send) => {
          try {
            for (const event of events) await send(event);
          } catch (error) {
            rejected = error;
            throw error;
          }
        },
        { onError: log.onError },
      );
      const response = await handler(new Request('http://example.test/'));
      assert.ok(rejected instanceof ProtocolError, id);
      assert.equal(rejected.requirement, id);
      // Nothing valid was started, or what was started cannot complete.
      if (response.status === 500) assert.equal(await response.text(), 'Internal Server Error');
      else await assert.rejects(response.arrayBuffer());
      assert.equal(log.list[0], rejected);
    }
  });

  it('[HTTP-RESP-6] rejects an event after the response is complete', async () => {
    let rejected: unknown;
    const handler = toFetchHandler(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'done' });
      rejected = await send({ type: 'http.response.body', body: 'more' }).catch((e: unknown) => e);
    });
    const response = await handler(new Request('http://example.test/'));
    assert.equal(await response.text(), 'done');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(rejected instanceof ProtocolError);
    assert.equal(rejected.requirement, 'HTTP-RESP-6');
  });

  it('[HTTP-RESP-11] rejects a body longer than content-length and aborts the response', async () => {
    let rejected: unknown;
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({
          type: 'http.response.start',
          status: 200,
          headers: [['content-length', '4']],
        });
        try {
          await send({ type: 'http.response.body', body: 'abc', moreBody: true });
          await send({ type: 'http.response.body', body: 'def', moreBody: true });
        } catch (error) {
          rejected = error;
        }
      },
      { onError: () => {} },
    );
    const response = await handler(new Request('http://example.test/'));
    await assert.rejects(response.arrayBuffer());
    assert.ok(rejected instanceof ProtocolError);
    assert.equal(rejected.requirement, 'HTTP-RESP-7');
  });

  it('[HTTP-RESP-11] rejects a body that ends short of content-length and aborts the response', async () => {
    let rejected: unknown;
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({
          type: 'http.response.start',
          status: 200,
          headers: [['content-length', '10']],
        });
        await send({ type: 'http.response.body', body: 'abc', moreBody: true }).catch(() => {});
        rejected = await send({ type: 'http.response.body', body: 'de' }).catch((e: unknown) => e);
      },
      { onError: () => {} },
    );
    const response = await handler(new Request('http://example.test/'));
    await assert.rejects(response.arrayBuffer());
    assert.ok(rejected instanceof ProtocolError);
    assert.equal(rejected.requirement, 'HTTP-RESP-7');
  });
});

describe('toFetchHandler: disconnects', () => {
  it('[HTTP-DISC-1] [HTTP-DISC-2] [HTTP-DISC-4] ends receive and send when the request signal aborts', async () => {
    const log = errors();
    const controller = new AbortController();
    // A body that never arrives: the client hangs, then leaves.
    const body = new ReadableStream<Uint8Array>({}, { highWaterMark: 0 });
    let pendingReceive: Promise<unknown> | undefined;
    const outcome: { afterAbort?: string; send?: unknown; later?: string } = {};
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const handler = toFetchHandler(
      async (_scope, receive: Receive, send: Send) => {
        pendingReceive = receive();
        outcome.afterAbort = ((await pendingReceive) as HttpReceiveEvent).type;
        try {
          await send({ type: 'http.response.start', status: 200 });
        } catch (error) {
          outcome.send = error;
        }
        outcome.later = ((await receive()) as HttpReceiveEvent).type;
        finished();
        throw outcome.send;
      },
      { onError: log.onError },
    );
    const response = handler(post(body, controller.signal));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(pendingReceive !== undefined);
    assert.equal(await stillPending(pendingReceive), true);
    controller.abort();
    await done;
    assert.equal(outcome.afterAbort, 'http.disconnect');
    assert.ok(outcome.send instanceof ClientDisconnectedError);
    assert.equal(outcome.later, 'http.disconnect');
    await response;
    assert.deepEqual(log.list, [], 'a ClientDisconnectedError is never reported');
  });

  it('[HTTP-DISC-2] rejects a pending send with ClientDisconnectedError when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    let pending: Promise<void> | undefined;
    const handler = toFetchHandler(
      async (_scope, _receive, send) => {
        await send({ type: 'http.response.start', status: 200 });
        pending = send({ type: 'http.response.body', body: 'tick', moreBody: true });
        await pending;
      },
      { onError: () => {} },
    );
    const response = await handler(
      new Request('http://example.test/', { signal: controller.signal }),
    );
    assert.ok(pending !== undefined);
    controller.abort();
    await assert.rejects(pending, (error: unknown) => isClientDisconnected(error));
    await assert.rejects(response.text());
  });

  it('[HTTP-DISC-1] [HTTP-DISC-2] treats a cancelled response body as the client leaving', async () => {
    const seen: { sendError?: unknown; event?: string } = {};
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const handler = toFetchHandler(async (_scope, receive, send) => {
      await send({ type: 'http.response.start', status: 200 });
      try {
        for (let i = 0; ; i++) {
          await send({ type: 'http.response.body', body: `chunk ${i}\n`, moreBody: true });
        }
      } catch (error) {
        seen.sendError = error;
      }
      seen.event = ((await receive()) as HttpReceiveEvent).type;
      finished();
    });
    const response = await handler(new Request('http://example.test/'));
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    await done;
    assert.ok(isClientDisconnected(seen.sendError));
    assert.equal(seen.event, 'http.disconnect');
  });
});
