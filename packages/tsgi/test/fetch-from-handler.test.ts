import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isClientDisconnected, TsgiError } from '../src/errors.js';
import { fromFetchHandler } from '../src/fetch/from-fetch-handler.js';
import { requestUrl } from '../src/fetch/handler-exchange.js';
import type {
  HttpScope,
  LifespanScope,
  ReceiveEvent,
  SendEvent,
  WebSocketScope,
} from '../src/types.js';
import { bytes, httpScope, ScriptedServer, stillPending } from './fetch-driver.js';

/** A response body stream of `count` chunks made on demand, counting them. */
function counted(count: number, text: (i: number) => string) {
  let made = 0;
  let cancelled: unknown = null;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (made === count) {
          controller.close();
          return;
        }
        controller.enqueue(bytes(text(made++)));
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, made: () => made, cancelled: () => cancelled };
}

describe('fromFetchHandler: the Request', () => {
  it('[HTTP-SCOPE-7] [HTTP-SCOPE-8] builds the URL from scheme, host, rawPath and query, keeping escapes', async () => {
    let url = '';
    const app = fromFetchHandler((request) => {
      url = request.url;
      return new Response(null, { status: 204 });
    });
    await new ScriptedServer().run(
      app,
      httpScope({
        scheme: 'https',
        headers: [['host', 'example.test:8443']],
        path: '/files/a/b c',
        rawPath: '/files/a%2Fb%20c',
        queryString: 'q=%41&x=1',
      }),
    );
    assert.equal(url, 'https://example.test:8443/files/a%2Fb%20c?q=%41&x=1');
  });

  it('falls back to the server address when the host header is missing or unusable', () => {
    const base = { rawPath: '/x', queryString: '' };
    assert.equal(
      requestUrl(httpScope({ ...base, headers: [], server: { host: '::1', port: 8000 } })),
      'http://[::1]:8000/x',
    );
    assert.equal(
      requestUrl(httpScope({ ...base, headers: [['host', 'evil@example.test/path']] })),
      'http://127.0.0.1:8000/x',
    );
    assert.equal(
      requestUrl(httpScope({ ...base, headers: [], server: null })),
      'http://localhost/x',
    );
    assert.equal(requestUrl(httpScope({ rawPath: '*', queryString: '' })), 'http://example.test/*');
  });

  it('[HTTP-SCOPE-10] keeps duplicate request headers, in order', async () => {
    const seen: Record<string, string | null> = {};
    const app = fromFetchHandler((request) => {
      seen.trace = request.headers.get('x-trace');
      seen.accept = request.headers.get('accept');
      return new Response('ok');
    });
    await new ScriptedServer().run(
      app,
      httpScope({
        headers: [
          ['host', 'example.test'],
          ['x-trace', 'first'],
          ['accept', 'text/html'],
          ['x-trace', 'second'],
          ['x-trace', 'third'],
        ],
      }),
    );
    assert.deepEqual(seen, { trace: 'first, second, third', accept: 'text/html' });
  });

  it('passes the env option and exposes the scope as env.scope', async () => {
    let seen: unknown;
    const scope = httpScope();
    const app = fromFetchHandler(
      (_request, env) => {
        seen = env;
        return new Response('ok');
      },
      { env: { apiKey: 'k-123' } },
    );
    await new ScriptedServer().run(app, scope);
    assert.deepEqual(Object.keys(seen as object).sort(), ['apiKey', 'scope']);
    assert.equal((seen as { apiKey: string }).apiKey, 'k-123');
    assert.equal((seen as { scope: unknown }).scope, scope);
  });

  it('answers 400 to a method fetch cannot carry', async () => {
    const app = fromFetchHandler(() => new Response('never'));
    const server = new ScriptedServer();
    await server.run(app, httpScope({ method: 'CONNECT', rawPath: 'example.test:443' }));
    assert.equal(server.start.status, 400);
  });
});

describe('fromFetchHandler: the request body', () => {
  it('streams a body of many chunks into request.body', async () => {
    const pieces = Array.from({ length: 25 }, (_, i) => bytes(`piece ${i};`));
    let text = '';
    const app = fromFetchHandler(async (request) => {
      text = await request.text();
      return new Response(null, { status: 204 });
    });
    await new ScriptedServer({ body: pieces }).run(app, httpScope({ method: 'POST' }));
    assert.equal(text, pieces.map((p) => new TextDecoder().decode(p)).join(''));
  });

  it('calls receive() only when the handler reads the body', async () => {
    const server = new ScriptedServer({ body: [bytes('unread')] });
    const app = fromFetchHandler(() => new Response('ignored the body', { status: 413 }));
    await server.run(app, httpScope({ method: 'POST' }));
    assert.equal(server.receiveCalls, 0);
    assert.equal(server.start.status, 413);
  });

  it('pulls a 4 MiB body progressively, as the handler reads it', async () => {
    const chunkSize = 64 * 1024;
    const count = 64;
    let made = 0;
    const server = new ScriptedServer({
      body: () => (made < count ? new Uint8Array(chunkSize).fill(made++ % 251) : null),
    });
    const madeAtEachRead: number[] = [];
    let total = 0;
    const app = fromFetchHandler(async (request) => {
      const reader = request.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        madeAtEachRead.push(made);
        total += value.byteLength;
        if (madeAtEachRead.length % 16 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      return new Response(String(total));
    });
    await server.run(app, httpScope({ method: 'PUT' }));
    assert.equal(server.text, String(count * chunkSize));
    assert.equal(madeAtEachRead.length, count);
    for (let i = 0; i < count; i++) assert.ok(madeAtEachRead[i]! <= i + 2, `read ${i}`);
  });
});

describe('fromFetchHandler: the response', () => {
  it('[HTTP-RESP-12] sends each set-cookie as its own pair, never joined', async () => {
    const app = fromFetchHandler(() => {
      const headers = new Headers({ 'Content-Type': 'text/plain' });
      headers.append('Set-Cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT');
      headers.append('Set-Cookie', 'b=2; Path=/');
      return new Response('cookies', { headers });
    });
    const server = new ScriptedServer();
    await server.run(app, httpScope());
    assert.deepEqual(server.header('set-cookie'), [
      'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT',
      'b=2; Path=/',
    ]);
    assert.deepEqual(server.header('content-type'), ['text/plain']);
    for (const [name] of server.start.headers ?? []) assert.equal(name, name.toLowerCase());
  });

  it('sends a small whole body as one event', async () => {
    const app = fromFetchHandler(() => new Response('hello', { status: 201 }));
    const server = new ScriptedServer();
    await server.run(app, httpScope());
    assert.equal(server.start.status, 201);
    assert.equal(server.bodies.length, 1);
    assert.equal(server.bodies[0]!.moreBody, false);
    assert.equal(server.text, 'hello');
  });

  it('streams a response chunk by chunk, ending with moreBody false', async () => {
    const { stream } = counted(5, (i) => `line ${i}\n`);
    const app = fromFetchHandler(() => new Response(stream));
    const server = new ScriptedServer();
    await server.run(app, httpScope());
    const bodies = server.bodies;
    assert.deepEqual(
      bodies.map((b) => b.moreBody),
      [true, true, true, true, true, false],
    );
    assert.equal(bodies[5]!.body?.length, 0);
    assert.equal(server.text, 'line 0\nline 1\nline 2\nline 3\nline 4\n');
  });

  it('[HTTP-BP-1] reads the handler’s body no faster than the server’s send() resolves', async () => {
    const { stream, made } = counted(20, (i) => `chunk ${i}`);
    const app = fromFetchHandler(() => new Response(stream));
    const server = new ScriptedServer({ gateSends: true });
    const running = server.run(app, httpScope());
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(server.waiting, 1);
    assert.equal(await stillPending(running), true);
    // One chunk in the server's hands and one read ahead, no more.
    assert.ok(made() <= 2, `made ${made()} chunks`);
    while (!server.complete) {
      server.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    server.release();
    await running;
    assert.equal(made(), 20);
    assert.equal(server.bodies.length, 21);
  });

  it('[HTTP-RESP-8] sends no body for HEAD and keeps content-length', async () => {
    const app = fromFetchHandler(
      () => new Response('hello', { headers: { 'content-length': '5' } }),
    );
    const server = new ScriptedServer();
    await server.run(app, httpScope({ method: 'HEAD' }));
    assert.equal(server.start.status, 200);
    assert.deepEqual(server.header('content-length'), ['5']);
    assert.deepEqual(
      server.bodies.map((b) => [b.body?.length, b.moreBody]),
      [[0, false]],
    );
  });

  it('[HTTP-RESP-8] sends no body for 204', async () => {
    const app = fromFetchHandler(() => new Response(null, { status: 204 }));
    const server = new ScriptedServer();
    await server.run(app, httpScope({ method: 'DELETE' }));
    assert.equal(server.start.status, 204);
    assert.equal(server.text, '');
    assert.equal(server.bodies.length, 1);
  });
});

describe('fromFetchHandler: failures and disconnects', () => {
  it('[HTTP-FAIL-1] rejects before sending anything when the handler throws', async () => {
    const app = fromFetchHandler(() => {
      throw new Error('handler broke');
    });
    const server = new ScriptedServer();
    await assert.rejects(server.run(app, httpScope()), /handler broke/);
    assert.deepEqual(server.sent, []);
  });

  it('[HTTP-FAIL-1] rejects when the handler returns something that is not a Response', async () => {
    const app = fromFetchHandler((() => 'text') as unknown as () => Response);
    const server = new ScriptedServer();
    await assert.rejects(server.run(app, httpScope()), { code: 'ERR_TSGI_FETCH_INVALID_RESPONSE' });
    assert.deepEqual(server.sent, []);
  });

  it('[HTTP-FAIL-2] rejects after start when the response body fails', async () => {
    let step = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (step++ === 0) controller.enqueue(bytes('partial'));
        else controller.error(new Error('upstream died'));
      },
    });
    const app = fromFetchHandler(() => new Response(stream));
    const server = new ScriptedServer();
    await assert.rejects(server.run(app, httpScope()), /upstream died/);
    assert.equal(server.start.status, 200);
    assert.equal(server.complete, false);
  });

  it('[HTTP-DISC-1] aborts the request signal when receive() gives http.disconnect', async () => {
    let signal: AbortSignal | undefined;
    const app = fromFetchHandler(
      (request) =>
        new Promise<Response>((_resolve, reject) => {
          signal = request.signal;
          request.signal.addEventListener('abort', () => reject(request.signal.reason));
        }),
    );
    const server = new ScriptedServer();
    const running = server.run(app, httpScope());
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(signal?.aborted, false);
    server.disconnect();
    await running;
    assert.equal(signal?.aborted, true);
    assert.ok(isClientDisconnected(signal?.reason));
    assert.deepEqual(server.sent, []);
  });

  it('[HTTP-DISC-1] [HTTP-DISC-5] aborts the signal and errors request.body when the client leaves mid-upload, then sends nothing', async () => {
    let sent = 0;
    let server: ScriptedServer | undefined;
    server = new ScriptedServer({
      body: () => {
        if (sent === 3) server!.disconnect();
        return sent < 10 ? bytes(`part ${sent++}`) : null;
      },
    });
    let readError: unknown;
    let signal: AbortSignal | undefined;
    const app = fromFetchHandler(async (request) => {
      signal = request.signal;
      try {
        await request.arrayBuffer();
      } catch (error) {
        readError = error;
      }
      return new Response('too late');
    });
    await server.run(app, httpScope({ method: 'POST' }));
    assert.ok(readError !== undefined, 'reading the body failed');
    assert.equal(signal?.aborted, true);
    assert.deepEqual(server.sent, []);
    // The handler's late answer is dropped, not offered to a server that said the client left.
    assert.equal(server.sendsAfterGone, 0);
  });

  it('[HTTP-DISC-2] stops and cancels the response body when send() rejects with ClientDisconnectedError', async () => {
    const { stream, cancelled } = counted(1_000_000, (i) => `event ${i}\n`);
    let signal: AbortSignal | undefined;
    const app = fromFetchHandler((request) => {
      signal = request.signal;
      return new Response(stream);
    });
    const server = new ScriptedServer({ gateSends: true });
    const running = server.run(app, httpScope());
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      server.release();
    }
    server.disconnect();
    await running;
    assert.ok(isClientDisconnected(cancelled()), 'the body stream was cancelled with the reason');
    assert.equal(signal?.aborted, true);
    assert.ok(server.bodies.length >= 3 && server.bodies.length < 10);
  });
});

describe('fromFetchHandler: lifespan and WebSocket', () => {
  const lifespanScope = (): LifespanScope => ({
    type: 'lifespan',
    tsgi: { version: '1.0' },
    state: {},
  });

  it('[LS-4] returns without calling receive() when no hooks are given', async () => {
    let receives = 0;
    const app = fromFetchHandler(() => new Response('x'));
    await app(
      lifespanScope(),
      async () => {
        receives++;
        return { type: 'lifespan.startup' };
      },
      async () => {},
    );
    assert.equal(receives, 0);
  });

  it('[LS-6] runs startup and shutdown hooks and answers each event once', async () => {
    const scope = lifespanScope();
    const script: ReceiveEvent[] = [{ type: 'lifespan.startup' }, { type: 'lifespan.shutdown' }];
    const sent: SendEvent[] = [];
    const calls: string[] = [];
    const app = fromFetchHandler(() => new Response('x'), {
      onStartup: (s) => {
        calls.push('startup');
        s.state!.ready = true;
      },
      onShutdown: async () => {
        calls.push('shutdown');
      },
    });
    await app(
      scope,
      async () => script.shift()!,
      async (event) => {
        sent.push(event);
      },
    );
    assert.deepEqual(calls, ['startup', 'shutdown']);
    assert.deepEqual(sent, [
      { type: 'lifespan.startup.complete' },
      { type: 'lifespan.shutdown.complete' },
    ]);
    assert.equal(scope.state?.ready, true);
  });

  it('[LS-6] [LS-7] reports a failing startup hook with its message', async () => {
    const sent: SendEvent[] = [];
    const app = fromFetchHandler(() => new Response('x'), {
      onStartup: () => {
        throw new Error('no database');
      },
    });
    await app(
      lifespanScope(),
      async () => ({ type: 'lifespan.startup' }),
      async (event) => {
        sent.push(event);
      },
    );
    assert.deepEqual(sent, [{ type: 'lifespan.startup.failed', message: 'no database' }]);
  });

  it('refuses a WebSocket scope with a TsgiError', async () => {
    const app = fromFetchHandler(() => new Response('x'));
    const scope: WebSocketScope = {
      ...httpScope(),
      type: 'websocket',
      scheme: 'ws',
      subprotocols: [],
    };
    await assert.rejects(
      app(
        scope,
        async () => ({ type: 'websocket.connect' }),
        async () => {},
      ),
      (error: unknown) => {
        assert.ok(error instanceof TsgiError);
        assert.equal(error.code, 'ERR_TSGI_FETCH_UNSUPPORTED_SCOPE');
        assert.match(error.message, /WebSockets/);
        return true;
      },
    );
  });

  it('[VER-3] refuses a scope of another TSGI major version by throwing', async () => {
    let called = false;
    const app = fromFetchHandler(() => {
      called = true;
      return new Response('x');
    });
    for (const version of ['2.0', '10.1', undefined]) {
      const server = new ScriptedServer();
      await assert.rejects(
        server.run(app, httpScope({ tsgi: { version } as unknown as HttpScope['tsgi'] })),
        (error: unknown) => {
          assert.ok(error instanceof TsgiError);
          assert.equal(error.code, 'ERR_TSGI_FETCH_UNSUPPORTED_VERSION');
          return true;
        },
      );
      assert.deepEqual(server.sent, []);
    }
    const server = new ScriptedServer();
    await server.run(app, httpScope({ tsgi: { version: '1.7' } }));
    assert.equal(server.start.status, 200);
    assert.equal(called, true);
  });
});
