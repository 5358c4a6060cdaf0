import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { ErrorCode, TsgiError } from '../src/errors.js';
import { binaryKeyword, defsSchema, type SchemaName, schemas } from '../src/schemas.js';
import { openLifespan } from '../src/testing/lifespan.js';
import type { HttpOptions, WebSocketOptions } from '../src/testing/options.js';
import { openHttp, request } from '../src/testing/request.js';
import { openWebSocket } from '../src/testing/websocket.js';
import type {
  Application,
  HttpScope,
  LifespanScope,
  ReceiveEvent,
  Scope,
  WebSocketScope,
} from '../src/types.js';
import { checkScope } from '../src/validate/scope.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addKeyword(binaryKeyword);
ajv.addSchema(defsSchema);
const compiled = new Map<SchemaName, ValidateFunction>();

/** Asserts that `value` passes the JSON Schema `name` (ajv 2020, strict, with `binary`). */
function assertSchema(name: SchemaName, value: unknown): void {
  let validate = compiled.get(name);
  if (validate === undefined) {
    validate = ajv.compile(schemas[name]);
    compiled.set(name, validate);
  }
  assert.ok(validate(value), `${name}: ${ajv.errorsText(validate.errors)}`);
}

/** Asserts that a scope the harness built passes its schema and the validator's checks. */
function assertValidScope(scope: Scope): void {
  assertSchema(`scope.${scope.type}` as SchemaName, scope);
  assert.equal(Object.getPrototypeOf(scope), Object.prototype, 'a plain object (SRV-2)');
  checkScope(scope);
}

/** An application that answers 204 and hands its scope over. */
function capture(): { app: Application; scopes: Scope[] } {
  const scopes: Scope[] = [];
  const app: Application = async (scope, receive, send) => {
    scopes.push(scope);
    if (scope.type === 'http') {
      await receive();
      await send({ type: 'http.response.start', status: 204 });
      await send({ type: 'http.response.body' });
    } else if (scope.type === 'websocket') {
      await receive();
      await send({ type: 'websocket.close' });
    }
  };
  return { app, scopes };
}

async function httpScope(options: HttpOptions): Promise<HttpScope> {
  const { app } = capture();
  const response = await request(app, options);
  assertValidScope(response.scope);
  return response.scope;
}

async function wsScope(options: WebSocketOptions): Promise<WebSocketScope> {
  const { app, scopes } = capture();
  const ws = openWebSocket(app, options);
  await ws.connect();
  const scope = scopes[0] as WebSocketScope;
  assertValidScope(scope);
  return scope;
}

/** Asserts that `fn` throws (or rejects with) an invalid-argument error whose message contains `text`. */
async function assertInvalid(fn: () => unknown, text: string): Promise<void> {
  await assert.rejects(
    async () => fn(),
    (error: unknown) =>
      error instanceof TsgiError &&
      error.code === ErrorCode.INVALID_ARGUMENT &&
      error.message.includes(text),
  );
}

describe('HTTP scopes built by the harness', () => {
  it('[SRV-2] [HTTP-SCOPE-1] [HTTP-SCOPE-2] [HTTP-SCOPE-3] a default request gives a complete scope', async () => {
    const scope = await httpScope({});
    assert.deepEqual(scope, {
      type: 'http',
      tsgi: { version: '1.0' },
      httpVersion: '1.1',
      method: 'GET',
      scheme: 'http',
      path: '/',
      rawPath: '/',
      queryString: '',
      rootPath: '',
      headers: [['host', 'localhost']],
      client: { host: '127.0.0.1', port: 54321 },
      server: { host: '127.0.0.1', port: 80 },
      extensions: { 'http.response.file': {}, 'http.response.earlyHints': {} },
    });
  });

  it('[HTTP-SCOPE-4] keeps the method exactly as given', async () => {
    assert.equal((await httpScope({ method: 'get' })).method, 'get');
    assert.equal((await httpScope({ method: 'PROPFIND' })).method, 'PROPFIND');
    await assertInvalid(() => request(capture().app, { method: 'GE T' }), 'HTTP-SCOPE-4');
  });

  it('[HTTP-SCOPE-6] [HTTP-SCOPE-7] [HTTP-SCOPE-8] splits and decodes the target as the spec examples do', async () => {
    const rows: [string, string, string, string][] = [
      ['/a%2Fb', '/a/b', '/a%2Fb', ''],
      ['/100%25', '/100%', '/100%25', ''],
      ['/caf%E9', '/caf\uFFFD', '/caf%E9', ''],
      ['/%C3%A9t%C3%A9?x=%20', '/été', '/%C3%A9t%C3%A9', 'x=%20'],
      ['/50%zz', '/50%zz', '/50%zz', ''],
      ['/s?q=a?b', '/s', '/s', 'q=a?b'],
      ['/s?', '/s', '/s', ''],
      ['//x//y', '//x//y', '//x//y', ''],
    ];
    for (const [target, path, rawPath, queryString] of rows) {
      const scope = await httpScope({ path: target });
      assert.deepEqual(
        { path: scope.path, rawPath: scope.rawPath, queryString: scope.queryString },
        { path, rawPath, queryString },
        target,
      );
    }
  });

  it('[HTTP-SCOPE-6] percent-encodes characters a target cannot carry, as a client does', async () => {
    const scope = await httpScope({ path: '/café au lait?q=é#frag' });
    assert.equal(scope.rawPath, '/caf%C3%A9%20au%20lait');
    assert.equal(scope.path, '/café au lait');
    assert.equal(scope.queryString, 'q=%C3%A9');
  });

  it('[HTTP-SCOPE-7] [HTTP-SCOPE-17] gives "*" for an asterisk-form target', async () => {
    const scope = await httpScope({ method: 'OPTIONS', path: '*' });
    assert.equal(scope.path, '*');
    assert.equal(scope.rawPath, '*');
  });

  it('[HTTP-SCOPE-7] [HTTP-SCOPE-18] an absolute-form target gives its path, and its authority as the one host', async () => {
    const scope = await httpScope({
      path: 'http://example.com/p?q=1',
      headers: { Host: 'other.example' },
    });
    assert.equal(scope.path, '/p');
    assert.equal(scope.rawPath, '/p');
    assert.equal(scope.queryString, 'q=1');
    assert.deepEqual(scope.headers, [['host', 'example.com']]);
    assert.equal((await httpScope({ path: 'http://example.com' })).rawPath, '/');
  });

  it('[HTTP-SCOPE-9] keeps rootPath and refuses a path outside it', async () => {
    const scope = await httpScope({ path: '/api/users', rootPath: '/api' });
    assert.equal(scope.rootPath, '/api');
    assert.equal(scope.path, '/api/users');
    assert.equal((await httpScope({ path: '/api', rootPath: '/api' })).path, '/api');
    await assertInvalid(
      () => request(capture().app, { path: '/apiary', rootPath: '/api' }),
      'HTTP-SCOPE-9',
    );
    await assertInvalid(
      () => request(capture().app, { path: '/api/', rootPath: '/api/' }),
      'HTTP-SCOPE-9',
    );
  });

  it('[HTTP-SCOPE-10] [HTTP-SCOPE-15] lowercases names, trims values, keeps order and duplicates', async () => {
    const scope = await httpScope({
      headers: [
        ['Accept', 'text/html'],
        ['X-Name', '  Zo\u00C3\u00AB\t'],
        ['accept', 'application/json'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    });
    assert.deepEqual(scope.headers, [
      ['host', 'localhost'],
      ['accept', 'text/html'],
      ['x-name', 'Zo\u00C3\u00AB'],
      ['accept', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
  });

  it('[HTTP-SCOPE-10] takes headers as an object, an array value giving repeated fields', async () => {
    const scope = await httpScope({ headers: { Accept: ['a', 'b'], 'X-One': '1' } });
    assert.deepEqual(scope.headers, [
      ['host', 'localhost'],
      ['accept', 'a'],
      ['accept', 'b'],
      ['x-one', '1'],
    ]);
  });

  it('[HTTP-SCOPE-11] [HTTP-SCOPE-12] [HTTP-SCOPE-18] HTTP/2: :authority becomes host, cookies are joined', async () => {
    const scope = await httpScope({
      httpVersion: '2',
      scheme: 'https',
      path: '/cart?step=2',
      headers: [
        [':authority', 'shop.example'],
        ['cookie', 'session=abc'],
        ['accept', '*/*'],
        ['cookie', 'theme=dark'],
      ],
    });
    assert.deepEqual(scope.headers, [
      ['host', 'shop.example'],
      ['cookie', 'session=abc; theme=dark'],
      ['accept', '*/*'],
    ]);
    assert.equal(scope.extensions.tls?.alpnProtocol, 'h2');
    assert.equal(scope.extensions.tls?.serverName, 'shop.example');
  });

  it('[HTTP-SCOPE-12] HTTP/1.1 joins several cookie fields too, where the first was', async () => {
    const scope = await httpScope({
      headers: [
        ['cookie', 'a=1'],
        ['accept', '*/*'],
        ['Cookie', 'b=2'],
      ],
    });
    assert.deepEqual(scope.headers, [
      ['host', 'localhost'],
      ['cookie', 'a=1; b=2'],
      ['accept', '*/*'],
    ]);
  });

  it('[HTTP-SCOPE-13] [HTTP-SCOPE-14] takes the addresses given, unix sockets and null included', async () => {
    const scope = await httpScope({
      client: null,
      server: { host: '/run/app.sock', port: null },
    });
    assert.equal(scope.client, null);
    assert.deepEqual(scope.server, { host: '/run/app.sock', port: null });
    await assertInvalid(
      () => request(capture().app, { client: { host: '::1', port: null as unknown as number } }),
      'client',
    );
  });

  it('[HTTP-SCOPE-16] [EXT-TRAILERS-1] advertises trailers only with TE: trailers on HTTP/1.1 and later', async () => {
    const withTe = await httpScope({ headers: { TE: 'trailers' } });
    assert.deepEqual(withTe.extensions['http.response.trailers'], {});
    const withoutTe = await httpScope({});
    assert.equal(withoutTe.extensions['http.response.trailers'], undefined);
    const http10 = await httpScope({ httpVersion: '1.0', headers: { TE: 'trailers' } });
    assert.equal(http10.extensions['http.response.trailers'], undefined);
  });

  it('[EXT-HINTS-2] advertises early hints only for HTTP/1.1 and later; HTTP/1.0 gets no host', async () => {
    const scope = await httpScope({ httpVersion: '1.0' });
    assert.equal(scope.extensions['http.response.earlyHints'], undefined);
    assert.deepEqual(scope.headers, []);
  });

  it('[EXT-TLS-1] gives TLS facts for https only', async () => {
    const secure = await httpScope({ scheme: 'https', headers: { host: 'example.com:8443' } });
    assert.deepEqual(secure.extensions.tls, {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      serverName: 'example.com',
      alpnProtocol: 'http/1.1',
      clientCertificate: null,
    });
    assert.deepEqual(secure.server, { host: '127.0.0.1', port: 443 });
    assert.equal((await httpScope({})).extensions.tls, undefined);
  });

  it('[HTTP-SCOPE-16] uses the extensions given, exactly', async () => {
    const scope = await httpScope({ extensions: { 'x-custom': { level: 2 } } });
    assert.deepEqual(scope.extensions, { 'x-custom': { level: 2 } });
  });

  it('[HTTP-REQ-2] adds content-length for a whole body and transfer-encoding for a streamed one', async () => {
    const whole = await httpScope({ method: 'POST', body: 'héllo' });
    assert.deepEqual(whole.headers.at(-1), ['content-length', '6']);
    const streamed = await httpScope({ method: 'POST', body: ['a', 'b'] });
    assert.deepEqual(streamed.headers.at(-1), ['transfer-encoding', 'chunked']);
    const h2 = await httpScope({ method: 'POST', httpVersion: '2', body: ['a'] });
    assert.equal(
      h2.headers.some(([name]) => name === 'transfer-encoding' || name === 'content-length'),
      false,
    );
    const none = await httpScope({ method: 'POST' });
    assert.deepEqual(none.headers, [['host', 'localhost']]);
  });

  it('[LS-STATE-1] [SRV-4] gives each scope its own shallow copy of the state', async () => {
    const pool = { name: 'pool' };
    const state = { pool, count: 1 };
    const first = await httpScope({ state });
    const second = await httpScope({ state });
    assert.notEqual(first.state, state);
    assert.notEqual(first.state, second.state);
    assert.deepEqual(first.state, state);
    assert.equal(first.state?.pool, pool, 'shallow: the values are shared');
    assert.equal((await httpScope({})).state, undefined, 'no state without lifespan (LS-4)');
  });

  it('[SRV-4] copies the extensions, addresses and headers it was given', async () => {
    const client = { host: '10.0.0.1', port: 1234 };
    const extensions = { 'x-ext': { a: 1 } };
    const scope = await httpScope({ client, extensions });
    assert.notEqual(scope.client, client);
    assert.notEqual(scope.extensions['x-ext'], extensions['x-ext']);
  });
});

describe('requests a server would refuse never reach the application [HTTP-CONN-3]', () => {
  const app = capture().app;
  it('[SEC-1] content-length together with transfer-encoding', async () => {
    await assertInvalid(
      () =>
        request(app, {
          method: 'POST',
          body: 'x',
          headers: { 'content-length': '1', 'transfer-encoding': 'chunked' },
        }),
      'SEC-1',
    );
  });

  it('[SEC-2] differing or malformed content-length values', async () => {
    await assertInvalid(
      () =>
        request(app, {
          headers: [
            ['content-length', '1'],
            ['content-length', '2'],
          ],
        }),
      'SEC-2',
    );
    await assertInvalid(() => request(app, { headers: { 'content-length': '+1' } }), 'SEC-2');
  });

  it('[SEC-3] control characters and invalid names', async () => {
    await assertInvalid(() => request(app, { headers: { 'x-a': 'a\r\nb: c' } }), 'SEC-3');
    await assertInvalid(() => request(app, { headers: { 'x a': 'b' } }), 'SEC-3');
  });

  it('[SEC-4] more than one host', async () => {
    await assertInvalid(
      () =>
        request(app, {
          headers: [
            ['host', 'a'],
            ['Host', 'b'],
          ],
        }),
      'SEC-4',
    );
  });

  it('[SEC-5] transfer-encoding on HTTP/1.0 or not ending in chunked', async () => {
    await assertInvalid(
      () => request(app, { httpVersion: '1.0', headers: { 'transfer-encoding': 'chunked' } }),
      'SEC-5',
    );
    await assertInvalid(
      () => request(app, { method: 'POST', body: ['x'], headers: { 'transfer-encoding': 'gzip' } }),
      'SEC-5',
    );
  });

  it('[HTTP-SCOPE-11] pseudo-headers other than :authority, and :authority on HTTP/1.1', async () => {
    await assertInvalid(
      () => request(app, { httpVersion: '2', headers: { ':path': '/' } }),
      'HTTP-SCOPE-11',
    );
    await assertInvalid(() => request(app, { headers: { ':authority': 'a' } }), 'HTTP-SCOPE-11');
  });

  it('[HTTP-SCOPE-15] values outside Latin-1', async () => {
    await assertInvalid(() => request(app, { headers: { 'x-a': '€' } }), 'HTTP-SCOPE-15');
  });

  it('[HTTP-SCOPE-17] a target in authority-form', async () => {
    await assertInvalid(
      () => request(app, { method: 'CONNECT', path: 'example.com:443' }),
      'HTTP-SCOPE-17',
    );
  });

  it('a body that contradicts its content-length, and connection fields on HTTP/2', async () => {
    await assertInvalid(
      () => request(app, { method: 'POST', body: 'abc', headers: { 'content-length': '2' } }),
      'content-length 2',
    );
    await assertInvalid(
      () => request(app, { method: 'POST', headers: { 'content-length': '2' } }),
      'none was given',
    );
    await assertInvalid(
      () => request(app, { httpVersion: '2', headers: { connection: 'close' } }),
      'HTTP/2',
    );
    await assertInvalid(() => openHttp(app, { body: 'x', streamBody: true }), 'not both');
  });
});

describe('WebSocket and lifespan scopes built by the harness', () => {
  it('[WS-SCOPE-1] [WS-SCOPE-2] a handshake gives a complete scope with the offered subprotocols', async () => {
    const scope = await wsScope({ path: '/chat?room=7', subprotocols: ['chat.v2', 'chat.v1'] });
    assert.equal(scope.type, 'websocket');
    assert.equal(scope.scheme, 'ws');
    assert.equal(scope.path, '/chat');
    assert.equal(scope.queryString, 'room=7');
    assert.deepEqual(scope.subprotocols, ['chat.v2', 'chat.v1']);
    assert.deepEqual(scope.headers, [
      ['host', 'localhost'],
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ['sec-websocket-version', '13'],
      ['sec-websocket-protocol', 'chat.v2, chat.v1'],
    ]);
    assert.deepEqual(scope.extensions, { 'websocket.http.response': {} });
    assert.equal('method' in scope, false);
  });

  it('[WS-SCOPE-2] splits a sec-websocket-protocol header at commas, trimmed, in order', async () => {
    const scope = await wsScope({
      headers: [
        ['Sec-WebSocket-Protocol', ' a ,b'],
        ['sec-websocket-protocol', 'c'],
      ],
    });
    assert.deepEqual(scope.subprotocols, ['a', 'b', 'c']);
    assert.deepEqual((await wsScope({})).subprotocols, []);
  });

  it('[WS-SCOPE-1] [EXT-TLS-1] wss carries TLS facts; HTTP/1.0 cannot carry a handshake', async () => {
    const scope = await wsScope({ scheme: 'wss' });
    assert.equal(scope.extensions.tls?.protocol, 'TLSv1.3');
    await assertInvalid(() => openWebSocket(capture().app, { httpVersion: '1.0' }), 'HTTP/1.1');
  });

  it('[LS-STATE-1] [VER-1] the lifespan scope carries the state object given', async () => {
    const state = { ready: false };
    let seen: LifespanScope | undefined;
    const lifespan = openLifespan(
      async (scope, receive, send) => {
        if (scope.type !== 'lifespan') throw new Error('lifespan only');
        seen = scope;
        await receive();
        await send({ type: 'lifespan.startup.complete' });
      },
      { state },
    );
    await lifespan.startup();
    assert.ok(seen);
    assertValidScope(seen);
    assert.deepEqual(seen, { type: 'lifespan', tsgi: { version: '1.0' }, state });
    assert.equal(seen.state, state);
  });
});

describe('events the harness gives pass their schemas [SRV-2]', () => {
  it('[SRV-2] [HTTP-REQ-1] http.request and http.disconnect', async () => {
    const received: ReceiveEvent[] = [];
    const exchange = openHttp(
      async (_scope, receive, send) => {
        for (;;) {
          const event = await receive();
          received.push(event);
          if (event.type !== 'http.request' || !event.moreBody) break;
        }
        await send({ type: 'http.response.start', status: 200 });
        await send({ type: 'http.response.body' });
        received.push(await receive());
      },
      { method: 'POST', body: ['ab', new Uint8Array([1, 2])] },
    );
    await exchange.response();
    assert.deepEqual(
      received.map((event) => event.type),
      ['http.request', 'http.request', 'http.request', 'http.disconnect'],
    );
    for (const event of received) {
      assertSchema(event.type as SchemaName, event);
      assert.equal(Object.getPrototypeOf(event), Object.prototype);
    }
  });

  it('[SRV-2] [WS-RECV-1] websocket.connect, websocket.receive and websocket.disconnect', async () => {
    const received: ReceiveEvent[] = [];
    const ws = openWebSocket(async (_scope, receive, send) => {
      received.push(await receive());
      await send({ type: 'websocket.accept' });
      for (;;) {
        const event = await receive();
        received.push(event);
        if (event.type === 'websocket.disconnect') return;
      }
    });
    await ws.connect();
    ws.sendText('hi');
    ws.sendBytes(new Uint8Array([1]));
    ws.close(1001, 'bye');
    await ws.finished();
    assert.deepEqual(
      received.map((event) => event.type),
      ['websocket.connect', 'websocket.receive', 'websocket.receive', 'websocket.disconnect'],
    );
    for (const event of received) assertSchema(event.type as SchemaName, event);
    assert.deepEqual(received[3], { type: 'websocket.disconnect', code: 1001, reason: 'bye' });
  });

  it('[SRV-2] lifespan.startup and lifespan.shutdown', async () => {
    const received: ReceiveEvent[] = [];
    const lifespan = openLifespan(async (_scope, receive, send) => {
      received.push(await receive());
      await send({ type: 'lifespan.startup.complete' });
      received.push(await receive());
      await send({ type: 'lifespan.shutdown.complete' });
    });
    await lifespan.startup();
    await lifespan.shutdown();
    assert.deepEqual(
      received.map((event) => event.type),
      ['lifespan.startup', 'lifespan.shutdown'],
    );
    for (const event of received) assertSchema(event.type as SchemaName, event);
  });
});
