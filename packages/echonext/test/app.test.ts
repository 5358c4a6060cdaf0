import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Application, HttpScope, Scope } from 'tsgi';
import { fromFetchHandler, routePath } from 'tsgi';
import { EchoNext } from '../src/app.js';
import { AppError, AppErrorCode } from '../src/app-errors.js';
import { Response, text } from '../src/response.js';
import { RouterError, RouterErrorCode } from '../src/router/errors.js';
import { TestClient } from '../src/testing.js';

/** A logger that keeps what it is given, so tests stay quiet and can check it. */
function recordingLogger() {
  const entries: { message: string; error: unknown }[] = [];
  return {
    entries,
    error(message: string, error: unknown) {
      entries.push({ message, error });
    },
  };
}

describe('the app as a TSGI application', () => {
  it('is itself a function that a server can call, and an EchoNext', async () => {
    const app = new EchoNext();
    app.get('/', () => 'hello');
    assert.equal(typeof app, 'function');
    assert.ok(app instanceof EchoNext);
    const served: Application = app;
    const res = await new TestClient(served).get('/');
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'hello');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  });

  it('sends a text or JSON body as one start and one body event with content-length', async () => {
    const app = new EchoNext();
    app.get('/text', () => 'héllo');
    app.get('/json', () => ({ a: 1 }));
    const client = new TestClient(app);
    for (const [path, length] of [
      ['/text', '6'],
      ['/json', '7'],
    ] as const) {
      const res = await client.get(path);
      assert.equal(res.headers.get('content-length'), length);
      const types = res.raw.events.map((event) => event.type);
      assert.deepEqual(types, ['http.response.start', 'http.response.body']);
    }
  });

  it('[APP-3] rejects a scope type it does not handle', async () => {
    const app = new EchoNext();
    const scope = { type: 'mqtt', tsgi: { version: '1.0' } } as unknown as Scope;
    await assert.rejects(
      app(
        scope,
        async () => ({ type: 'http.disconnect' }),
        async () => {},
      ),
      (error: unknown) =>
        error instanceof AppError && error.code === AppErrorCode.UNSUPPORTED_SCOPE,
    );
  });

  it('[VER-3] refuses a TSGI major version it does not know', async () => {
    const app = new EchoNext();
    app.get('/', () => 'x');
    const scope = {
      type: 'http',
      tsgi: { version: '2.0' },
      method: 'GET',
      path: '/',
      rawPath: '/',
      queryString: '',
      rootPath: '',
      headers: [],
      httpVersion: '1.1',
      scheme: 'http',
      client: null,
      server: null,
      extensions: {},
    } as HttpScope;
    await assert.rejects(
      app(
        scope,
        async () => ({ type: 'http.disconnect' }),
        async () => {},
      ),
      (error: unknown) =>
        error instanceof AppError && error.code === AppErrorCode.UNSUPPORTED_VERSION,
    );
    // Not only on the first call: a later scope of another major version is refused too.
    const sent: unknown[] = [];
    await app(
      { ...scope, tsgi: { version: '1.0' } },
      async () => ({ type: 'http.disconnect' }),
      async (event) => {
        sent.push(event);
      },
    );
    assert.ok(sent.length > 0);
    for (const version of ['10.0', '2.1']) {
      await assert.rejects(
        app(
          { ...scope, tsgi: { version } },
          async () => ({ type: 'http.disconnect' }),
          async () => {},
        ),
        (error: unknown) =>
          error instanceof AppError && error.code === AppErrorCode.UNSUPPORTED_VERSION,
      );
    }
  });
});

describe('routing', () => {
  it('routes each method helper to its method', async () => {
    const app = new EchoNext();
    app.get('/r', () => 'get');
    app.post('/r', () => 'post');
    app.put('/r', () => 'put');
    app.patch('/r', () => 'patch');
    app.delete('/r', () => 'delete');
    app.on('PURGE', '/r', () => 'purge');
    app.all('/any', (request) => request.method);
    const client = new TestClient(app);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'PURGE']) {
      const res = await client.request(method, '/r');
      assert.equal(res.text(), method.toLowerCase());
    }
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.equal((await client.request(method, '/any')).text(), method);
    }
    assert.equal((await client.request('PURGE', '/any')).status, 405);
  });

  it('passes typed parameters and answers 404 when a converter refuses the segment', async () => {
    const app = new EchoNext();
    app.get('/article/{article_id:int}', (request) => {
      const id: number = request.params.article_id;
      return { id, type: typeof id };
    });
    const client = new TestClient(app);
    assert.deepEqual((await client.get('/article/42')).json(), { id: 42, type: 'number' });
    assert.equal((await client.get('/article/abc')).status, 404);
  });

  it('[HTTP-RESP-8] answers HEAD with the GET headers and no body', async () => {
    const app = new EchoNext();
    let calls = 0;
    app.get('/page', () => {
      calls++;
      return 'twelve bytes';
    });
    const res = await new TestClient(app).head('/page');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '12');
    assert.equal(res.body.byteLength, 0);
    assert.equal(calls, 1);
  });

  it('lets an explicit head() view replace the automatic HEAD', async () => {
    const app = new EchoNext();
    app.get('/page', () => 'body');
    app.head('/page', () => new Response(null, { status: 200, headers: { 'x-head': 'own' } }));
    const res = await new TestClient(app).head('/page');
    assert.equal(res.headers.get('x-head'), 'own');
  });

  it('answers OPTIONS with 204 and Allow, unless an options() view is registered', async () => {
    const app = new EchoNext();
    app.get('/a', () => 'a');
    app.post('/a', () => 'a');
    app.get('/b', () => 'b');
    app.options('/b', () => text('custom', { status: 200 }));
    const client = new TestClient(app);
    const res = await client.options('/a');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    assert.equal(res.body.byteLength, 0);
    assert.equal((await client.options('/b')).text(), 'custom');
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path', async () => {
    const app = new EchoNext();
    app.get('/only-get', () => 'x');
    const client = new TestClient(app);
    const missing = await client.get('/nowhere');
    assert.equal(missing.status, 404);
    assert.equal(missing.text(), 'Not Found');
    const wrong = await client.delete('/only-get');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });

  it('redirects a missing trailing slash with 301 for GET and 308 for POST, keeping the query', async () => {
    const app = new EchoNext();
    app.get('/blog/', () => 'index');
    app.post('/blog/', () => 'posted');
    app.get('/about', () => 'about');
    const client = new TestClient(app);
    const get = await client.get('/blog?page=2&x=%20');
    assert.equal(get.status, 301);
    assert.equal(get.headers.get('location'), '/blog/?page=2&x=%20');
    const post = await client.post('/blog', { body: 'data' });
    assert.equal(post.status, 308);
    assert.equal(post.headers.get('location'), '/blog/');
    const removed = await client.get('/about/');
    assert.equal(removed.status, 301);
    assert.equal(removed.headers.get('location'), '/about');
  });

  it('builds the redirect Location from the raw path, so escapes survive', async () => {
    const app = new EchoNext();
    app.get('/café/{name}/', (request) => request.params.name);
    app.get('/files/{name}', (request) => request.params.name);
    const client = new TestClient(app);
    const added = await client.get('/caf%C3%A9/a%20c');
    assert.equal(added.status, 301);
    assert.equal(added.headers.get('location'), '/caf%C3%A9/a%20c/');
    // An escaped trailing slash is still the trailing slash of the decoded path.
    const removed = await client.get('/files/x%2F');
    assert.equal(removed.status, 301);
    assert.equal(removed.headers.get('location'), '/files/x');
  });

  it('keeps rootPath in the redirect Location', async () => {
    const app = new EchoNext();
    app.get('/docs/', () => 'docs');
    const client = new TestClient(app, { rootPath: '/api' });
    const res = await client.get('/api/docs');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/api/docs/');
  });

  it('follows the trailingSlash policy: ignore serves, strict gives 404', async () => {
    const ignore = new EchoNext({ trailingSlash: 'ignore' });
    ignore.get('/x/', () => 'x');
    assert.equal((await new TestClient(ignore).get('/x')).text(), 'x');
    const strict = new EchoNext({ trailingSlash: 'strict' });
    strict.get('/x/', () => 'x');
    assert.equal((await new TestClient(strict).get('/x')).status, 404);
  });

  it('routes on the path below rootPath', async () => {
    const app = new EchoNext();
    app.get('/users/{id:int}', (request) => ({ id: request.params.id, path: request.path }));
    const res = await new TestClient(app, { rootPath: '/api' }).get('/api/users/3');
    assert.deepEqual(res.json(), { id: 3, path: '/api/users/3' });
  });
});

describe('named routes', () => {
  it('builds paths with urlFor, encoded, with the rootPath of a request', async () => {
    const app = new EchoNext();
    app.get('/article/{article_id:int}', () => 'x', { name: 'article' });
    app.get('/tag/{tag}', () => 'x', { name: 'tag' });
    app.get('/link', (request) => app.urlFor('tag', { tag: 'a b&c' }, request));
    assert.equal(app.urlFor('article', { article_id: 7 }), '/article/7');
    assert.equal(app.urlFor('tag', { tag: 'a b&c' }), '/tag/a%20b%26c');
    const res = await new TestClient(app, { rootPath: '/mount' }).get('/mount/link');
    assert.equal(res.text(), '/mount/tag/a%20b%26c');
  });

  it('throws a RouterError for an unknown name or a bad parameter', () => {
    const app = new EchoNext();
    app.get('/article/{article_id:int}', () => 'x', { name: 'article' });
    assert.throws(
      () => app.urlFor('nope'),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.UNKNOWN_ROUTE_NAME,
    );
    assert.throws(
      () => app.urlFor('article', {}),
      (error: unknown) => error instanceof RouterError && error.code === RouterErrorCode.BAD_PARAM,
    );
  });

  it('lists every route with its methods, full pattern and name', () => {
    const app = new EchoNext();
    app.get('/', () => 'x', { name: 'home' });
    app.websocket('/ws', async () => {});
    assert.deepEqual(
      app.routes.map(({ kind, methods, pattern, name }) => ({ kind, methods, pattern, name })),
      [
        { kind: 'http', methods: ['GET'], pattern: '/', name: 'home' },
        { kind: 'websocket', methods: [], pattern: '/ws', name: undefined },
      ],
    );
  });
});

describe('registration', () => {
  it('throws a conflict at registration, and the app keeps working', async () => {
    const app = new EchoNext();
    app.get('/a/{x}', () => 'first');
    assert.throws(
      () => app.get('/a/{y}', () => 'second'),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.AMBIGUOUS_ROUTE,
    );
    assert.throws(
      () => app.get('/bad/{', () => 'x'),
      (error: unknown) =>
        error instanceof RouterError && error.code === RouterErrorCode.BAD_PATTERN,
    );
    assert.equal((await new TestClient(app).get('/a/1')).text(), 'first');
  });

  it('refuses a view that is not a function, and a bad body limit, at once', () => {
    const app = new EchoNext();
    assert.throws(
      () => app.get('/', 'hello' as never),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.BAD_VIEW,
    );
    assert.throws(
      () => app.get('/', () => 'x', { bodyLimit: -1 }),
      (error: unknown) => error instanceof AppError && error.code === AppErrorCode.INVALID_ARGUMENT,
    );
    assert.throws(() => new EchoNext({ bodyLimit: Number.NaN }), AppError);
    assert.throws(() => new EchoNext({ namespace: 'a:b' }), AppError);
  });

  it('freezes at the first request: later registrations throw', async () => {
    const app = new EchoNext();
    app.get('/', () => 'x');
    await new TestClient(app, { lifespan: false }).get('/');
    for (const register of [
      () => app.get('/late', () => 'x'),
      () => app.use(async (request, next) => next(request)),
      () => app.onError(() => 'x'),
      () => app.onStartup(() => {}),
      () => app.include('/x', new EchoNext()),
      () => app.mount('/x', async () => {}),
      () => app.wrap((inner) => inner),
    ]) {
      assert.throws(
        register,
        (error: unknown) => error instanceof AppError && error.code === AppErrorCode.FROZEN,
      );
    }
  });

  it('compile() freezes the app on demand', () => {
    const app = new EchoNext();
    app.get('/', () => 'x');
    assert.equal(app.compile(), app);
    assert.throws(() => app.get('/b', () => 'x'), AppError);
  });
});

describe('body limits', () => {
  it('answers 413 past a route limit, and takes the app limit otherwise', async () => {
    const app = new EchoNext({ bodyLimit: 10 });
    app.post('/small', async (request) => (await request.bytes()).byteLength, { bodyLimit: 4 });
    app.post('/app', async (request) => (await request.bytes()).byteLength);
    app.post('/free', async (request) => (await request.bytes()).byteLength, {
      bodyLimit: Number.POSITIVE_INFINITY,
    });
    const client = new TestClient(app);
    assert.equal((await client.post('/small', { body: '12345' })).status, 413);
    assert.equal((await client.post('/small', { body: '1234' })).text(), '4');
    assert.equal((await client.post('/app', { body: '12345678901' })).status, 413);
    assert.equal((await client.post('/app', { body: '1234567890' })).text(), '10');
    assert.equal((await client.post('/free', { body: 'x'.repeat(100) })).text(), '100');
  });
});

describe('state without lifespan', () => {
  it('gives requests a copy of app.state when the server runs no lifespan', async () => {
    const app = new EchoNext();
    app.state.greeting = 'hi';
    app.get('/', (request) => {
      request.state.scratch = 1;
      return { greeting: request.state.greeting };
    });
    const client = new TestClient(app, { lifespan: false });
    assert.deepEqual((await client.get('/')).json(), { greeting: 'hi' });
    assert.equal(app.state.scratch, undefined);
  });
});

describe('wrap: TSGI middleware around the whole app', () => {
  it('applies in order, first wrapped outermost, around every scope', async () => {
    const seen: string[] = [];
    const tag =
      (name: string) =>
      (inner: Application): Application =>
      async (scope, receive, send) => {
        seen.push(`${name}:${scope.type}`);
        await inner(scope, receive, send);
      };
    const app = new EchoNext();
    app.get('/', () => 'x');
    app.wrap(tag('outer'));
    app.wrap(tag('inner'));
    const client = new TestClient(app);
    await client.get('/');
    assert.deepEqual(seen, ['outer:lifespan', 'inner:lifespan', 'outer:http', 'inner:http']);
    await client.close();
  });
});

describe('mount', () => {
  it('[HTTP-SCOPE-9] gives a mounted app rootPath extended by the prefix and the whole path', async () => {
    const seen: HttpScope[] = [];
    const raw: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') return;
      seen.push(scope);
      const body = `raw:${routePath(scope)}`;
      await send({
        type: 'http.response.start',
        status: 200,
        headers: [['content-length', String(body.length)]],
      });
      await send({ type: 'http.response.body', body });
    };
    const app = new EchoNext();
    app.get('/legacy-ish', () => 'app');
    app.mount('/legacy', raw);
    const client = new TestClient(app, { rootPath: '/root' });
    assert.equal((await client.get('/root/legacy/a/b')).text(), 'raw:/a/b');
    assert.equal((await client.get('/root/legacy')).text(), 'raw:/');
    assert.equal((await client.get('/root/legacy-ish')).text(), 'app');
    assert.equal(seen[0]?.rootPath, '/root/legacy');
    assert.equal(seen[0]?.path, '/root/legacy/a/b');
  });

  it('mounts a fetch handler through fromFetchHandler', async () => {
    const handler = (request: Request) => {
      const url = new URL(request.url);
      return new globalThis.Response(`fetch saw ${request.method} ${url.pathname}${url.search}`);
    };
    const app = new EchoNext();
    app.mount('/legacy', fromFetchHandler(handler));
    const res = await new TestClient(app).post('/legacy/hello?x=1', { body: 'b' });
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'fetch saw POST /legacy/hello?x=1');
  });

  it('refuses a bad or taken prefix and a non-function', () => {
    const app = new EchoNext();
    app.mount('/a', async () => {});
    for (const prefix of ['', 'a', '/a/', '/{x}']) {
      assert.throws(
        () => app.mount(prefix, async () => {}),
        (error: unknown) => error instanceof AppError && error.code === AppErrorCode.BAD_PREFIX,
      );
    }
    assert.throws(() => app.mount('/a', async () => {}), AppError);
    assert.throws(() => app.mount('/b', {} as never), AppError);
  });
});

describe('errors in the response itself', () => {
  it('answers with the error handlers when a response fails before its start', async () => {
    const logger = recordingLogger();
    const app = new EchoNext({ logger });
    app.get('/bad', () => {
      const response = text('x');
      response.status = 700;
      return response;
    });
    const res = await new TestClient(app).get('/bad');
    assert.equal(res.status, 500);
    assert.equal(res.text(), 'Internal Server Error');
    assert.equal(logger.entries.length, 1);
  });

  it('lets the server abort a stream that fails after its start', async () => {
    const app = new EchoNext();
    app.get('/stream', () => {
      async function* pieces() {
        yield 'first';
        throw new Error('broken stream');
      }
      return new Response(pieces());
    });
    const res = await new TestClient(app, { strict: false }).get('/stream');
    assert.equal(res.raw.outcome, 'aborted');
    assert.equal(res.status, 200);
  });
});
