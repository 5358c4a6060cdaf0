import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../src/errors.js';
import type { HttpScope, LifespanScope, WebSocketScope } from '../src/types.js';
import {
  checkHttpScope,
  checkLifespanScope,
  checkScope,
  checkWebSocketScope,
} from '../src/validate/scope.js';

function httpScope(overrides: Record<string, unknown> = {}): HttpScope {
  return {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/',
    rawPath: '/',
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.test']],
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    ...overrides,
  } as HttpScope;
}

function wsScope(overrides: Record<string, unknown> = {}): WebSocketScope {
  return {
    ...httpScope(),
    type: 'websocket',
    scheme: 'ws',
    subprotocols: [],
    method: undefined,
    ...overrides,
  } as unknown as WebSocketScope;
}

function rejects(scope: unknown, id: string): ProtocolError {
  let caught: unknown;
  try {
    checkScope(scope);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ProtocolError, `expected a ProtocolError for ${id}`);
  assert.equal(caught.requirement, id, caught.message);
  return caught;
}

const accepts = (scope: unknown) => assert.doesNotThrow(() => checkScope(scope));

describe('HTTP scope checks', () => {
  it('[HTTP-SCOPE-1] accepts a well-formed HTTP scope', () => {
    accepts(httpScope());
    accepts(
      httpScope({
        scheme: 'https',
        httpVersion: '2',
        method: 'PATCH',
        path: '/api/caf\u00e9',
        rawPath: '/api/caf%C3%A9',
        rootPath: '/api',
        queryString: 'a=%20',
        headers: [
          ['host', 'example.test'],
          ['cookie', 'a=1; b=2'],
          ['x-empty', ''],
        ],
        client: null,
        server: { host: '/run/app.sock', port: null },
        state: { db: {} },
        extensions: {
          'http.response.earlyHints': {},
          tls: {
            protocol: 'TLSv1.3',
            cipher: 'TLS_AES_128_GCM_SHA256',
            serverName: null,
            alpnProtocol: 'h2',
            clientCertificate: null,
          },
          'vendor.thing': { limit: 3 },
        },
      }),
    );
  });
  it('[HTTP-SCOPE-1] checkHttpScope rejects another type', () => {
    assert.throws(
      () => checkHttpScope(httpScope({ type: 'https' })),
      (error) => error instanceof ProtocolError && error.requirement === 'HTTP-SCOPE-1',
    );
  });
  it('[SRV-2] rejects a scope that is not an object', () => {
    rejects(null, 'SRV-2');
    rejects('http', 'SRV-2');
    rejects({ type: 7 }, 'SRV-2');
  });
  it('[MW-3] lets a scope of an unknown type through', () => {
    accepts({ type: 'vendor.mqtt', anything: true });
  });
  for (const version of ['1', '2.0', 1.0, '1.0.0', undefined]) {
    it(`[HTTP-SCOPE-2] rejects tsgi.version ${JSON.stringify(version)}`, () => {
      rejects(httpScope({ tsgi: { version } }), 'HTTP-SCOPE-2');
    });
  }
  it('[HTTP-SCOPE-2] accepts a later minor version and rejects a missing tsgi', () => {
    accepts(httpScope({ tsgi: { version: '1.7' } }));
    rejects(httpScope({ tsgi: undefined }), 'HTTP-SCOPE-2');
  });
  for (const httpVersion of ['1.2', 2, 'HTTP/1.1']) {
    it(`[HTTP-SCOPE-3] rejects httpVersion ${JSON.stringify(httpVersion)}`, () => {
      rejects(httpScope({ httpVersion }), 'HTTP-SCOPE-3');
    });
  }
  for (const method of ['', 'GE T', 5]) {
    it(`[HTTP-SCOPE-4] rejects method ${JSON.stringify(method)}`, () => {
      rejects(httpScope({ method }), 'HTTP-SCOPE-4');
    });
  }
  it('[HTTP-SCOPE-4] keeps the method case as received', () => {
    accepts(httpScope({ method: 'get' }));
  });
  it('[HTTP-SCOPE-5] rejects a scheme other than http and https', () => {
    rejects(httpScope({ scheme: 'ws' }), 'HTTP-SCOPE-5');
    rejects(httpScope({ scheme: 'HTTP' }), 'HTTP-SCOPE-5');
  });
  for (const path of [42, undefined, 'index.html', '']) {
    it(`[HTTP-SCOPE-17] rejects path ${JSON.stringify(path)}`, () => {
      rejects(httpScope({ path, rawPath: '/' }), 'HTTP-SCOPE-17');
    });
  }
  it('[HTTP-SCOPE-17] accepts "*" for an asterisk-form target', () => {
    accepts(httpScope({ method: 'OPTIONS', path: '*', rawPath: '*' }));
  });
  it('[HTTP-SCOPE-7] rejects a rawPath with the query or of the wrong type', () => {
    rejects(httpScope({ rawPath: '/?a=1' }), 'HTTP-SCOPE-7');
    rejects(httpScope({ rawPath: new TextEncoder().encode('/') }), 'HTTP-SCOPE-7');
    rejects(httpScope({ path: '*', rawPath: '/' }), 'HTTP-SCOPE-7');
  });
  it('[HTTP-SCOPE-6] rejects a path that is not the decoded rawPath', () => {
    rejects(httpScope({ path: '/a%20b', rawPath: '/a%20b' }), 'HTTP-SCOPE-6');
    rejects(httpScope({ path: '/x', rawPath: '/y' }), 'HTTP-SCOPE-6');
  });
  it('[HTTP-SCOPE-6] accepts decoded paths, %2F, %25 and invalid UTF-8 as U+FFFD', () => {
    accepts(httpScope({ path: '/a b', rawPath: '/a%20b' }));
    accepts(httpScope({ path: '/a/b', rawPath: '/a%2Fb' }));
    accepts(httpScope({ path: '/100%', rawPath: '/100%25' }));
    accepts(httpScope({ path: '/\uFFFD', rawPath: '/%FF' }));
    accepts(httpScope({ path: '/50%zz', rawPath: '/50%zz' }));
    // A proxy stripped the mount point from the target.
    accepts(httpScope({ path: '/api/users', rawPath: '/users', rootPath: '/api' }));
  });
  it('[HTTP-SCOPE-8] rejects a queryString that is not a string', () => {
    rejects(httpScope({ queryString: null }), 'HTTP-SCOPE-8');
  });
  it('[HTTP-SCOPE-9] rejects a rootPath with a trailing slash or that path does not start with', () => {
    rejects(httpScope({ rootPath: '/api/', path: '/api/x', rawPath: '/api/x' }), 'HTTP-SCOPE-9');
    rejects(httpScope({ rootPath: 'api' }), 'HTTP-SCOPE-9');
    rejects(httpScope({ rootPath: '/api', path: '/other', rawPath: '/other' }), 'HTTP-SCOPE-9');
  });
  for (const [label, headers] of [
    ['not an array', { host: 'a' }],
    ['a pair of one', [['host']]],
    ['a string entry', ['host: a']],
    ['an uppercase name', [['Host', 'a']]],
    ['a non-string name', [[1, 'a']]],
  ] as const) {
    it(`[HTTP-SCOPE-10] rejects headers with ${label}`, () => {
      rejects(httpScope({ headers }), 'HTTP-SCOPE-10');
    });
  }
  it('[HTTP-SCOPE-10] keeps duplicates in order', () => {
    accepts(
      httpScope({
        headers: [
          ['x-a', '1'],
          ['x-a', '2'],
        ],
      }),
    );
  });
  it('[HTTP-SCOPE-11] rejects a pseudo-header', () => {
    rejects(
      httpScope({ httpVersion: '2', headers: [[':authority', 'example.test']] }),
      'HTTP-SCOPE-11',
    );
  });
  it('[HTTP-SCOPE-12] rejects split cookie headers on HTTP/2 and HTTP/3', () => {
    const headers = [
      ['cookie', 'a=1'],
      ['cookie', 'b=2'],
    ];
    rejects(httpScope({ httpVersion: '2', headers }), 'HTTP-SCOPE-12');
    rejects(httpScope({ httpVersion: '3', headers }), 'HTTP-SCOPE-12');
    accepts(httpScope({ httpVersion: '2', headers: [['cookie', 'a=1; b=2']] }));
  });
  it('[HTTP-SCOPE-13] rejects a client port that is a string, null or out of range', () => {
    rejects(httpScope({ client: { host: '127.0.0.1', port: '5000' } }), 'HTTP-SCOPE-13');
    rejects(httpScope({ client: { host: '127.0.0.1', port: null } }), 'HTTP-SCOPE-13');
    rejects(httpScope({ client: { host: '127.0.0.1', port: 65536 } }), 'HTTP-SCOPE-13');
    rejects(httpScope({ client: { host: 127, port: 1 } }), 'HTTP-SCOPE-13');
    rejects(httpScope({ client: ['127.0.0.1', 1] }), 'HTTP-SCOPE-13');
    accepts(httpScope({ client: null }));
  });
  it('[HTTP-SCOPE-14] accepts a unix socket server and rejects a bad port', () => {
    accepts(httpScope({ server: { host: '/tmp/s.sock', port: null } }));
    rejects(httpScope({ server: { host: '::1', port: 8000.5 } }), 'HTTP-SCOPE-14');
    rejects(httpScope({ server: { port: 80 } }), 'HTTP-SCOPE-14');
  });
  it('[HTTP-SCOPE-15] rejects header values that are not trimmed Latin-1 strings', () => {
    rejects(httpScope({ headers: [['x-a', 5]] }), 'HTTP-SCOPE-15');
    rejects(httpScope({ headers: [['x-a', ' padded']] }), 'HTTP-SCOPE-15');
    rejects(httpScope({ headers: [['x-a', 'padded\t']] }), 'HTTP-SCOPE-15');
    rejects(httpScope({ headers: [['x-a', '\u20ac']] }), 'HTTP-SCOPE-15');
    accepts(httpScope({ headers: [['x-a', 'caf\u00e9 inner space']] }));
  });
  it('[SEC-3] rejects a header value with a control character', () => {
    rejects(httpScope({ headers: [['x-a', 'a\r\nb']] }), 'SEC-3');
    rejects(httpScope({ headers: [['x-a', 'a\u0000']] }), 'SEC-3');
  });
  it('[HTTP-SCOPE-16] rejects extensions that are not an object of objects', () => {
    rejects(httpScope({ extensions: null }), 'HTTP-SCOPE-16');
    rejects(httpScope({ extensions: [] }), 'HTTP-SCOPE-16');
    rejects(httpScope({ extensions: { 'vendor.x': true } }), 'HTTP-SCOPE-16');
  });
  it('[EXT-2] rejects a data-less extension that is not an empty object', () => {
    rejects(httpScope({ extensions: { 'http.response.file': { enabled: true } } }), 'EXT-2');
    rejects(httpScope({ extensions: { 'http.response.file': [] } }), 'EXT-2');
  });
  it('[EXT-TLS-1] rejects tls on plaintext and malformed tls facts', () => {
    const tls = {
      protocol: 'TLSv1.3',
      cipher: 'x',
      serverName: 'a',
      alpnProtocol: null,
      clientCertificate: null,
    };
    rejects(httpScope({ extensions: { tls } }), 'EXT-TLS-1');
    rejects(
      httpScope({ scheme: 'https', extensions: { tls: { ...tls, cipher: undefined } } }),
      'EXT-TLS-1',
    );
    rejects(
      httpScope({ scheme: 'https', extensions: { tls: { ...tls, serverName: 1 } } }),
      'EXT-TLS-1',
    );
    accepts(httpScope({ scheme: 'https', extensions: { tls } }));
  });
  it('[EXT-TRAILERS-1] rejects trailers advertised without TE: trailers or on HTTP/1.0', () => {
    const extensions = { 'http.response.trailers': {} };
    rejects(httpScope({ extensions }), 'EXT-TRAILERS-1');
    rejects(
      httpScope({ extensions, httpVersion: '1.0', headers: [['te', 'trailers']] }),
      'EXT-TRAILERS-1',
    );
    accepts(httpScope({ extensions, headers: [['te', 'gzip;q=0.5, Trailers']] }));
  });
  it('[EXT-HINTS-2] rejects early hints advertised on HTTP/1.0', () => {
    rejects(
      httpScope({ httpVersion: '1.0', extensions: { 'http.response.earlyHints': {} } }),
      'EXT-HINTS-2',
    );
  });
  it('[LS-STATE-1] rejects a state that is not an object', () => {
    rejects(httpScope({ state: 'x' }), 'LS-STATE-1');
  });
});

describe('WebSocket scope checks', () => {
  it('[WS-SCOPE-1] accepts a well-formed WebSocket scope', () => {
    accepts(wsScope({ scheme: 'wss', subprotocols: ['chat', 'superchat'] }));
    assert.doesNotThrow(() => checkWebSocketScope(wsScope()));
  });
  it('[WS-SCOPE-1] rejects an HTTP scheme and a wrong type', () => {
    rejects(wsScope({ scheme: 'http' }), 'WS-SCOPE-1');
    assert.throws(
      () => checkWebSocketScope(httpScope()),
      (error) => error instanceof ProtocolError && error.requirement === 'WS-SCOPE-1',
    );
  });
  it('[WS-SCOPE-1] applies the HTTP path, header and address rules', () => {
    rejects(wsScope({ path: 'chat' }), 'HTTP-SCOPE-17');
    rejects(wsScope({ headers: [['Upgrade', 'websocket']] }), 'HTTP-SCOPE-10');
    rejects(wsScope({ client: { host: 'a', port: '1' } }), 'HTTP-SCOPE-13');
  });
  it('[WS-SCOPE-2] rejects subprotocols that are not a list of trimmed strings', () => {
    rejects(wsScope({ subprotocols: 'chat' }), 'WS-SCOPE-2');
    rejects(wsScope({ subprotocols: [' chat'] }), 'WS-SCOPE-2');
    rejects(wsScope({ subprotocols: [''] }), 'WS-SCOPE-2');
    rejects(wsScope({ subprotocols: [1] }), 'WS-SCOPE-2');
  });
});

describe('lifespan scope checks', () => {
  const lifespan = (overrides: Record<string, unknown> = {}) =>
    ({ type: 'lifespan', tsgi: { version: '1.0' }, state: {}, ...overrides }) as LifespanScope;
  it('[LS-STATE-1] accepts a lifespan scope with a state object', () => {
    accepts(lifespan());
    assert.doesNotThrow(() => checkLifespanScope(lifespan()));
  });
  it('[LS-STATE-1] rejects a lifespan scope without a state object', () => {
    rejects(lifespan({ state: undefined }), 'LS-STATE-1');
    rejects(lifespan({ state: null }), 'LS-STATE-1');
  });
  it('[VER-1] rejects a lifespan scope without a spec version', () => {
    rejects(lifespan({ tsgi: { version: 1 } }), 'VER-1');
  });
});
