import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkHttpScope, type HttpScope, validate } from 'tsgi';
import {
  exchange,
  header,
  httpOnly,
  RawClient,
  startHttp,
  startServer,
  type TestServer,
  textApp,
} from './http-support.js';

/** A server whose app records every scope it is called with. */
async function scopeServer(options = {}) {
  const scopes: HttpScope[] = [];
  const server = await startHttp(async (scope, receive, send) => {
    scopes.push(scope);
    await receive();
    await textApp()(scope, receive, send);
  }, options);
  return { server, scopes };
}

async function scopeFor(
  server: TestServer,
  scopes: HttpScope[],
  request: string,
): Promise<HttpScope> {
  const before = scopes.length;
  const { client, responses } = await exchange(server.port, request);
  client.destroy();
  assert.equal(responses[0]!.status, 200, responses[0]!.raw);
  assert.equal(scopes.length, before + 1);
  return scopes[before]!;
}

describe('HTTP scope', { timeout: 20_000 }, () => {
  let server: TestServer;
  let scopes: HttpScope[];
  before(async () => {
    ({ server, scopes } = await scopeServer());
  });
  after(() => server.close());

  it('[HTTP-SCOPE-1] [HTTP-SCOPE-2] [VER-1] [HTTP-SCOPE-3] [HTTP-SCOPE-4] [HTTP-SCOPE-5] fills type, tsgi.version, httpVersion, method and scheme', async () => {
    const scope = await scopeFor(
      server,
      scopes,
      'PATCH /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n',
    );
    assert.equal(scope.type, 'http');
    assert.deepEqual(scope.tsgi, { version: '1.0' });
    assert.equal(scope.httpVersion, '1.1');
    assert.equal(scope.method, 'PATCH');
    assert.equal(scope.scheme, 'http');
    const old = await scopeFor(server, scopes, 'GET /x HTTP/1.0\r\n\r\n');
    assert.equal(old.httpVersion, '1.0');
  });

  it('[SRV-2] gives scopes that pass the scope checks of tsgi, as plain objects', async () => {
    const scope = await scopeFor(
      server,
      scopes,
      'GET /a?b=c HTTP/1.1\r\nHost: h\r\nTE: trailers\r\n\r\n',
    );
    checkHttpScope(scope);
    assert.equal(Object.getPrototypeOf(scope), Object.prototype);
    assert.equal(Object.getPrototypeOf(scope.extensions), Object.prototype);
  });

  const table: Array<[string, string, string, string]> = [
    ['GET /a%2Fb HTTP/1.1', '/a/b', '/a%2Fb', ''],
    ['GET /100%25 HTTP/1.1', '/100%', '/100%25', ''],
    ['GET /caf%E9 HTTP/1.1', '/caf\uFFFD', '/caf%E9', ''],
    ['GET /%C3%A9t%C3%A9?x=%20 HTTP/1.1', '/été', '/%C3%A9t%C3%A9', 'x=%20'],
    ['OPTIONS * HTTP/1.1', '*', '*', ''],
    ['GET http://example.com/p?q=1 HTTP/1.1', '/p', '/p', 'q=1'],
    ['GET http://example.com HTTP/1.1', '/', '/', ''],
    ['GET /a+b HTTP/1.1', '/a+b', '/a+b', ''],
    ['GET /a/./b/../c HTTP/1.1', '/a/./b/../c', '/a/./b/../c', ''],
    ['GET /%2e%2e/etc HTTP/1.1', '/../etc', '/%2e%2e/etc', ''],
    ['GET //x//y HTTP/1.1', '//x//y', '//x//y', ''],
    ['GET /50%zz HTTP/1.1', '/50%zz', '/50%zz', ''],
    ['GET /s?q=a?b HTTP/1.1', '/s', '/s', 'q=a?b'],
    ['GET /s? HTTP/1.1', '/s', '/s', ''],
  ];
  for (const [line, path, rawPath, queryString] of table) {
    it(`[HTTP-SCOPE-6] [HTTP-SCOPE-7] [HTTP-SCOPE-8] [HTTP-SCOPE-17] ${line}`, async () => {
      const scope = await scopeFor(server, scopes, `${line}\r\nHost: h\r\n\r\n`);
      assert.equal(scope.path, path);
      assert.equal(scope.rawPath, rawPath);
      assert.equal(scope.queryString, queryString);
    });
  }

  it('[HTTP-SCOPE-10] [HTTP-SCOPE-11] [HTTP-SCOPE-12] keeps header order and repeats, with lowercase names, no pseudo-header, and one cookie field', async () => {
    const scope = await scopeFor(
      server,
      scopes,
      'POST /form HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\nACCEPT: application/json\r\nX-Mixed-Case: 1\r\nCookie: a=1\r\nCookie: b=2\r\nContent-Length: 0\r\n\r\n',
    );
    assert.deepEqual(scope.headers, [
      ['host', 'example.com'],
      ['accept', 'text/html'],
      ['accept', 'application/json'],
      ['x-mixed-case', '1'],
      ['cookie', 'a=1; b=2'],
      ['content-length', '0'],
    ]);
    assert.ok(scope.headers.every(([name]) => !name.startsWith(':')));
  });

  it('[HTTP-SCOPE-15] reads values as Latin-1 and trims surrounding spaces and tabs', async () => {
    const scope = await scopeFor(
      server,
      scopes,
      'GET / HTTP/1.1\r\nHost: h\r\nX-Name:   Zo\xc3\xab \t \r\n\r\n',
    );
    assert.equal(header(scope.headers, 'x-name'), 'Zo\u00C3\u00AB');
  });

  it('[HTTP-SCOPE-18] gives the authority of an absolute-form target as the only host', async () => {
    const scope = await scopeFor(
      server,
      scopes,
      'GET http://example.com/p?q=1 HTTP/1.1\r\nHost: other.example\r\nAccept: */*\r\n\r\n',
    );
    assert.deepEqual(scope.headers, [
      ['host', 'example.com'],
      ['accept', '*/*'],
    ]);
  });

  it('[HTTP-SCOPE-13] [HTTP-SCOPE-14] gives the TCP addresses of both ends', async () => {
    const client = await RawClient.connect(server.port);
    client.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await client.responses(1);
    const scope = scopes.at(-1)!;
    assert.deepEqual(scope.client, { host: '127.0.0.1', port: client.socket.localPort });
    assert.deepEqual(scope.server, { host: '127.0.0.1', port: server.port });
    client.destroy();
  });

  it('[HTTP-SCOPE-16] [EXT-HINTS-2] [EXT-TRAILERS-1] advertises early hints and files on HTTP/1.1, trailers only with TE: trailers', async () => {
    const plain = await scopeFor(server, scopes, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.deepEqual(plain.extensions, {
      'http.response.earlyHints': {},
      'http.response.file': {},
    });
    const withTe = await scopeFor(
      server,
      scopes,
      'GET / HTTP/1.1\r\nHost: h\r\nTE: deflate;q=0.5, trailers\r\n\r\n',
    );
    assert.deepEqual(withTe.extensions, {
      'http.response.trailers': {},
      'http.response.earlyHints': {},
      'http.response.file': {},
    });
    const old = await scopeFor(server, scopes, 'GET / HTTP/1.0\r\nTE: trailers\r\n\r\n');
    assert.deepEqual(old.extensions, { 'http.response.file': {} });
  });

  it('[EXT-TLS-1] has no tls extension on a plaintext connection', async () => {
    const scope = await scopeFor(server, scopes, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal(scope.extensions.tls, undefined);
  });

  it('[SRV-1] [SRV-4] calls the app once per request of a keep-alive connection, each with a scope of its own', async () => {
    const before = scopes.length;
    const client = await RawClient.connect(server.port);
    client.write('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
    await client.responses(2);
    assert.equal(scopes.length, before + 2);
    const [first, second] = scopes.slice(-2) as [HttpScope, HttpScope];
    assert.equal(first.path, '/1');
    assert.equal(second.path, '/2');
    assert.notEqual(first, second);
    assert.notEqual(first.headers, second.headers);
    assert.deepEqual(first.client, second.client);
    client.destroy();
  });
});

describe('HTTP scope on a unix socket', { timeout: 10_000 }, () => {
  it('[HTTP-SCOPE-13] [HTTP-SCOPE-14] gives client null and server { host: path, port: null }', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-uds-'));
    const path = join(dir, 'app.sock');
    const scopes: HttpScope[] = [];
    const server = await startHttp(
      async (scope, receive, send) => {
        scopes.push(scope);
        await textApp()(scope, receive, send);
      },
      { uds: path },
    );
    try {
      assert.equal(server.address.kind, 'unix');
      const { client, responses } = await exchange(path, 'GET /u HTTP/1.1\r\nHost: h\r\n\r\n');
      client.destroy();
      assert.equal(responses[0]!.status, 200);
      assert.equal(scopes[0]!.client, null);
      assert.deepEqual(scopes[0]!.server, { host: path, port: null });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mount point', { timeout: 10_000 }, () => {
  it('[HTTP-SCOPE-9] gives rootPath, keeps it in path, and keeps other paths from the app', async () => {
    const { server, scopes } = await scopeServer({ rootPath: '/api' });
    try {
      const scope = await scopeFor(
        server,
        scopes,
        'GET /api/users?x=1 HTTP/1.1\r\nHost: h\r\n\r\n',
      );
      assert.equal(scope.rootPath, '/api');
      assert.equal(scope.path, '/api/users');
      assert.equal(scope.rawPath, '/api/users');
      const root = await scopeFor(server, scopes, 'GET /api HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.equal(root.path, '/api');
      const count = scopes.length;
      for (const path of ['/apiary', '/other', '/']) {
        const { client, responses } = await exchange(
          server.port,
          `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`,
        );
        client.destroy();
        assert.equal(responses[0]!.status, 404, path);
      }
      assert.equal(scopes.length, count, 'the app saw a request outside its mount point');
      const star = await scopeFor(server, scopes, 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.equal(star.path, '*');
      assert.equal(star.rootPath, '');
    } finally {
      await server.close();
    }
  });
});

describe('lifespan state in request scopes', { timeout: 10_000 }, () => {
  it('[LS-STATE-1] gives each request its own shallow copy of the state', async () => {
    const shared = { pool: 'db' };
    const seen: Array<Record<string, unknown> | undefined> = [];
    const server = await startServer(
      async (scope, receive, send) => {
        if (scope.type === 'lifespan') {
          await receive();
          scope.state.shared = shared;
          scope.state.counter = 0;
          await send({ type: 'lifespan.startup.complete' });
          await receive();
          await send({ type: 'lifespan.shutdown.complete' });
          return;
        }
        if (scope.type !== 'http') throw new Error('unexpected');
        seen.push(scope.state);
        // A change to the copy stays in this request.
        scope.state!.counter = 99;
        await textApp()(scope, receive as never, send as never);
      },
      { lifespan: 'on' },
    );
    try {
      for (let i = 0; i < 2; i++) {
        const { client } = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
        client.destroy();
      }
      assert.equal(seen.length, 2);
      assert.notEqual(seen[0], seen[1]);
      assert.equal(seen[1]!.shared, shared);
      assert.equal(seen[1]!.counter, 99);
    } finally {
      await server.close();
    }
  });

  it('[LS-4] gives no state when the server runs without lifespan', async () => {
    const { server, scopes } = await scopeServer();
    try {
      const scope = await scopeFor(server, scopes, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.equal('state' in scope, false);
    } finally {
      await server.close();
    }
  });
});

describe('proxy headers', { timeout: 10_000 }, () => {
  it('[SEC-6] takes the client and scheme from a trusted peer, and only from it', async () => {
    for (const [trusted, expected] of [
      [['127.0.0.1'], { host: '203.0.113.9', port: 0 }],
      [['10.0.0.0/8'], null],
    ] as const) {
      const scopes: HttpScope[] = [];
      const server = await startHttp(
        async (scope, receive, send) => {
          scopes.push(scope);
          await textApp()(scope, receive, send);
        },
        { proxyHeaders: true, forwardedAllowIps: [...trusted] },
      );
      try {
        const { client } = await exchange(
          server.port,
          'GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n',
        );
        client.destroy();
        const scope = scopes[0]!;
        if (expected === null) {
          assert.equal(scope.client?.host, '127.0.0.1');
          assert.equal(scope.scheme, 'http');
        } else {
          assert.deepEqual(scope.client, expected);
          assert.equal(scope.scheme, 'https');
        }
      } finally {
        await server.close();
      }
    }
  });
  it('[SEC-6] reads only the configured header family: Forwarded, X-Forwarded-* or both', async () => {
    const request =
      'GET / HTTP/1.1\r\nHost: h\r\nForwarded: for=198.51.100.7;proto=https\r\n' +
      'X-Forwarded-For: 203.0.113.9\r\n\r\n';
    for (const [family, host, scheme] of [
      ['x-forwarded', '203.0.113.9', 'http'],
      ['forwarded', '198.51.100.7', 'https'],
    ] as const) {
      const scopes: HttpScope[] = [];
      const server = await startHttp(
        async (scope, receive, send) => {
          scopes.push(scope);
          await textApp()(scope, receive, send);
        },
        { proxyHeaders: true, forwardedAllowIps: ['127.0.0.1'], forwardedHeaders: family },
      );
      try {
        const { client } = await exchange(server.port, request);
        client.destroy();
        assert.equal(scopes[0]!.client?.host, host, family);
        assert.equal(scopes[0]!.scheme, scheme, family);
      } finally {
        await server.close();
      }
    }
  });
});

describe('validated end to end', { timeout: 10_000 }, () => {
  it('[SRV-2] [HTTP-REQ-1] [HTTP-DISC-3] passes the validator in both directions for a body echo', async () => {
    const violations: string[] = [];
    const server = await startServer(
      validate(
        httpOnly(async (_scope, receive, send) => {
          const pieces: Uint8Array[] = [];
          for (;;) {
            const event = await receive();
            if (event.type !== 'http.request') break;
            pieces.push(event.body);
            if (!event.moreBody) break;
          }
          await send({ type: 'http.response.start', status: 200 });
          await send({ type: 'http.response.body', body: Buffer.concat(pieces) });
          assert.equal((await receive()).type, 'http.disconnect');
        }),
        { onViolation: (error) => violations.push(error.message) },
      ),
    );
    try {
      const { client, responses } = await exchange(
        server.port,
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
      );
      client.destroy();
      assert.equal(responses[0]!.body.toString(), 'hello world');
      assert.deepEqual(violations, []);
    } finally {
      await server.close();
    }
  });
});
