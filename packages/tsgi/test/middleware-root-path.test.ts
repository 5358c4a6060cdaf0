import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsgiError } from '../src/errors.js';
import { compose } from '../src/middleware/compose.js';
import { routePath, withRootPath } from '../src/middleware/root-path.js';
import type {
  Application,
  HttpScope,
  LifespanScope,
  Receive,
  ReceiveEvent,
  Scope,
  Send,
  SendEvent,
  WebSocketScope,
} from '../src/types.js';
import { validate } from '../src/validate/index.js';

function httpScope(path: string, overrides: Partial<HttpScope> = {}): HttpScope {
  return {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.com']],
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    ...overrides,
  };
}

function wsScope(path: string, overrides: Partial<WebSocketScope> = {}): WebSocketScope {
  return {
    type: 'websocket',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    scheme: 'ws',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.com']],
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    subprotocols: [],
    ...overrides,
  };
}

interface Outcome {
  /** The scope the inner app was called with, if it was called. */
  seen: Scope | undefined;
  /** The events sent to the server. */
  sent: SendEvent[];
}

async function run(
  middleware: (app: Application) => Application,
  scope: Scope,
  incoming: ReceiveEvent[] = [],
): Promise<Outcome> {
  const outcome: Outcome = { seen: undefined, sent: [] };
  const app: Application = async (inner) => {
    outcome.seen = inner;
  };
  const receive: Receive = async () => {
    const event = incoming.shift();
    assert.ok(event, 'receive() was called once too often');
    return event;
  };
  const send: Send = async (event) => {
    outcome.sent.push(event);
  };
  await middleware(app)(scope, receive, send);
  return outcome;
}

function seenPaths(outcome: Outcome): { path: string; rootPath: string; route: string } {
  const seen = outcome.seen;
  assert.ok(seen && seen.type !== 'lifespan', 'the app was called with a connection scope');
  return { path: seen.path, rootPath: seen.rootPath, route: routePath(seen) };
}

function bodyText(sent: SendEvent[]): string {
  return sent
    .map((event) => ('body' in event && event.body !== undefined ? event.body : ''))
    .map((body) => (typeof body === 'string' ? body : new TextDecoder().decode(body)))
    .join('');
}

describe('withRootPath: requests inside the prefix', () => {
  const api = withRootPath('/api');

  it('[HTTP-SCOPE-9] sets rootPath to the prefix and keeps path whole', async () => {
    const outcome = await run(api, httpScope('/api/users/7'));
    assert.deepEqual(seenPaths(outcome), {
      path: '/api/users/7',
      rootPath: '/api',
      route: '/users/7',
    });
    assert.deepEqual(outcome.sent, []);
  });

  it('[HTTP-SCOPE-9] serves the prefix itself, with and without a trailing slash, as route "/"', async () => {
    assert.deepEqual(seenPaths(await run(api, httpScope('/api'))), {
      path: '/api',
      rootPath: '/api',
      route: '/',
    });
    assert.deepEqual(seenPaths(await run(api, httpScope('/api/'))), {
      path: '/api/',
      rootPath: '/api',
      route: '/',
    });
  });

  it('[HTTP-SCOPE-7] leaves rawPath and queryString alone', async () => {
    const outcome = await run(
      api,
      httpScope('/api/a b', { rawPath: '/api/a%20b', queryString: 'q=%2F' }),
    );
    const seen = outcome.seen as HttpScope;
    assert.equal(seen.rawPath, '/api/a%20b');
    assert.equal(seen.queryString, 'q=%2F');
    assert.equal(seen.path, '/api/a b');
  });

  it('[HTTP-SCOPE-9] extends an existing rootPath', async () => {
    const outcome = await run(api, httpScope('/app/api/users', { rootPath: '/app' }));
    assert.deepEqual(seenPaths(outcome), {
      path: '/app/api/users',
      rootPath: '/app/api',
      route: '/users',
    });
  });

  it('[HTTP-SCOPE-9] nests when composed', async () => {
    const nested = compose(withRootPath('/app'), withRootPath('/v1/admin'));
    const outcome = await run(nested, httpScope('/app/v1/admin/users'));
    assert.deepEqual(seenPaths(outcome), {
      path: '/app/v1/admin/users',
      rootPath: '/app/v1/admin',
      route: '/users',
    });
    const outside = await run(nested, httpScope('/app/v1/users'));
    assert.equal(outside.seen, undefined);
  });

  it('[HTTP-SCOPE-9] mounts WebSocket scopes the same way', async () => {
    const outcome = await run(api, wsScope('/api/live'));
    assert.equal(outcome.seen?.type, 'websocket');
    assert.deepEqual(seenPaths(outcome), { path: '/api/live', rootPath: '/api', route: '/live' });
  });
});

describe('withRootPath: requests outside the prefix', () => {
  const api = withRootPath('/api');

  it('answers 404 with a text body and does not call the app', async () => {
    for (const path of ['/', '/apix', '/ap', '/API/users', '/other/api', '*']) {
      const outcome = await run(api, httpScope(path));
      assert.equal(outcome.seen, undefined, path);
      assert.deepEqual(
        outcome.sent.map((event) => event.type),
        ['http.response.start', 'http.response.body'],
      );
      const start = outcome.sent[0] as { status: number; headers: [string, string][] };
      assert.equal(start.status, 404);
      assert.deepEqual(start.headers, [
        ['content-type', 'text/plain; charset=utf-8'],
        ['content-length', '9'],
      ]);
      assert.equal(bodyText(outcome.sent), 'Not Found');
      assert.equal((outcome.sent[1] as { moreBody?: boolean }).moreBody ?? false, false);
    }
  });

  it('[HTTP-RESP-8] sends no body bytes for HEAD, but still ends the response', async () => {
    const outcome = await run(api, httpScope('/elsewhere', { method: 'HEAD' }));
    assert.deepEqual(
      outcome.sent.map((event) => event.type),
      ['http.response.start', 'http.response.body'],
    );
    assert.equal(bodyText(outcome.sent), '');
  });

  it('answers 404 outside an existing rootPath plus the prefix', async () => {
    const outcome = await run(api, httpScope('/app/other', { rootPath: '/app' }));
    assert.equal(outcome.seen, undefined);
    assert.equal((outcome.sent[0] as { status: number }).status, 404);
  });

  it('denies a WebSocket with websocket.close after websocket.connect', async () => {
    const outcome = await run(api, wsScope('/live'), [{ type: 'websocket.connect' }]);
    assert.equal(outcome.seen, undefined);
    assert.deepEqual(outcome.sent, [{ type: 'websocket.close' }]);
  });

  it('[EXT-WSDENY-1] denies a WebSocket with a 404 response where the server offers it', async () => {
    const outcome = await run(
      api,
      wsScope('/live', { extensions: { 'websocket.http.response': {} } }),
      [{ type: 'websocket.connect' }],
    );
    assert.deepEqual(
      outcome.sent.map((event) => event.type),
      ['websocket.http.response.start', 'websocket.http.response.body'],
    );
    assert.equal((outcome.sent[0] as { status: number }).status, 404);
    assert.equal(bodyText(outcome.sent), 'Not Found');
  });

  it('sends nothing when the WebSocket client is gone before connecting', async () => {
    const outcome = await run(api, wsScope('/live'), [
      { type: 'websocket.disconnect', code: 1006, reason: '' },
    ]);
    assert.deepEqual(outcome.sent, []);
  });
});

describe('withRootPath: checked by the validator', () => {
  const request: Receive = async () => ({
    type: 'http.request',
    body: new Uint8Array(),
    moreBody: false,
  });
  const ignore: Send = async () => {};

  it('[MW-4] answers outside the prefix with a valid event sequence', async () => {
    const app = validate(
      withRootPath('/api')(async () => {
        throw new Error('the app was called');
      }),
    );
    for (const method of ['GET', 'HEAD', 'POST']) {
      await app(httpScope('/elsewhere', { method }), request, ignore);
    }
    for (const extensions of [{}, { 'websocket.http.response': {} }]) {
      const incoming: ReceiveEvent[] = [{ type: 'websocket.connect' }];
      await app(
        wsScope('/elsewhere', { extensions }),
        async () => incoming.shift() ?? { type: 'websocket.disconnect', code: 1000, reason: '' },
        ignore,
      );
    }
  });

  it('[HTTP-SCOPE-9] gives the app a scope that passes the validator', async () => {
    const paths: string[] = [];
    const inner: Application = async (scope, _receive, send) => {
      if (scope.type !== 'http') throw new Error('expected an HTTP scope');
      paths.push(`${scope.rootPath} ${routePath(scope)}`);
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    };
    const app = validate(compose(withRootPath('/app'), withRootPath('/api'))(validate(inner)));
    await app(httpScope('/app/api/users'), request, ignore);
    await app(httpScope('/app/api'), request, ignore);
    await app(httpScope('/app/api/caf%C3%A9', { path: '/app/api/caf\u00e9' }), request, ignore);
    assert.deepEqual(paths, ['/app/api /users', '/app/api /', '/app/api /caf\u00e9']);
  });
});

describe('withRootPath: the middleware contract', () => {
  it('[MW-1] is a function from application to application', () => {
    const middleware = withRootPath('/api');
    assert.equal(typeof middleware(async () => {}), 'function');
  });

  it('[MW-2] passes a copy and leaves the caller scope untouched', async () => {
    const scope = httpScope('/api/users', { state: { db: 'pool' } });
    const before = structuredClone(scope);
    const outcome = await run(withRootPath('/api'), scope);
    assert.notEqual(outcome.seen, scope);
    assert.deepEqual(scope, before);
    assert.equal((outcome.seen as HttpScope).state, scope.state);
  });

  it('[MW-3] passes unknown events through unchanged in both directions', async () => {
    const incoming = { type: 'x.custom.in' } as unknown as ReceiveEvent;
    const outgoing = { type: 'x.custom.out' } as unknown as SendEvent;
    let received: ReceiveEvent | undefined;
    let sent: SendEvent | undefined;
    const app: Application = async (_scope, receive, send) => {
      received = await receive();
      await send(outgoing);
    };
    await withRootPath('/api')(app)(
      httpScope('/api'),
      async () => incoming,
      async (event) => {
        sent = event;
      },
    );
    assert.equal(received, incoming);
    assert.equal(sent, outgoing);
  });

  it('passes lifespan scopes, receive and send through untouched', async () => {
    const scope: LifespanScope = { type: 'lifespan', tsgi: { version: '1.0' }, state: {} };
    const receive: Receive = async () => ({ type: 'lifespan.startup' });
    const send: Send = async () => {};
    let args: unknown[] = [];
    await withRootPath('/api')(async (...given) => {
      args = given;
    })(scope, receive, send);
    assert.equal(args[0], scope);
    assert.equal(args[1], receive);
    assert.equal(args[2], send);
  });

  it('rejects a prefix that is not a mount point', () => {
    for (const prefix of ['', '/', 'api', '/api/', 'api/', 42, undefined]) {
      assert.throws(
        () => withRootPath(prefix as string),
        (error: unknown) =>
          error instanceof TsgiError &&
          error.code === 'ERR_TSGI_INVALID_ARGUMENT' &&
          error.message.includes('expected a path that starts with "/"'),
        String(prefix),
      );
    }
  });
});

describe('routePath', () => {
  it('[HTTP-SCOPE-9] gives the path below rootPath, always starting with "/"', () => {
    assert.equal(routePath({ path: '/users', rootPath: '' }), '/users');
    assert.equal(routePath({ path: '/api/users', rootPath: '/api' }), '/users');
    assert.equal(routePath({ path: '/api/', rootPath: '/api' }), '/');
    assert.equal(routePath({ path: '/api', rootPath: '/api' }), '/');
    assert.equal(routePath({ path: '/a/b/c', rootPath: '/a/b' }), '/c');
    assert.equal(routePath({ path: '*', rootPath: '' }), '*');
  });

  it('keeps the whole path when rootPath is not a segment prefix of it', () => {
    assert.equal(routePath({ path: '/apix', rootPath: '/api' }), '/apix');
    assert.equal(routePath({ path: '/other', rootPath: '/api' }), '/other');
  });
});
