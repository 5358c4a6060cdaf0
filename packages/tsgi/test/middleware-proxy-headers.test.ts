import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsgiError } from '../src/errors.js';
import { type ProxyHeadersOptions, proxyHeaders } from '../src/middleware/proxy-headers.js';
import type {
  Address,
  Application,
  ConnectionScopeBase,
  HeaderList,
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

const PROXY: Address = { host: '10.0.0.2', port: 51000 };

function httpScope(headers: HeaderList = [], overrides: Partial<HttpScope> = {}): HttpScope {
  return {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/orders',
    rawPath: '/orders',
    queryString: 'page=2',
    rootPath: '',
    headers: [['host', 'app.internal:8000'], ...headers, ['accept', '*/*']],
    client: { ...PROXY },
    server: { host: '10.0.0.1', port: 8000 },
    extensions: {},
    ...overrides,
  };
}

function wsScope(
  headers: HeaderList = [],
  overrides: Partial<WebSocketScope> = {},
): WebSocketScope {
  return {
    type: 'websocket',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    scheme: 'ws',
    path: '/live',
    rawPath: '/live',
    queryString: '',
    rootPath: '',
    headers: [['host', 'app.internal:8000'], ...headers],
    client: { ...PROXY },
    server: { host: '10.0.0.1', port: 8000 },
    extensions: {},
    subprotocols: [],
    ...overrides,
  };
}

const noReceive: Receive = async () => {
  throw new Error('receive() was not expected');
};
const noSend: Send = async () => {
  throw new Error('send() was not expected');
};

/** Runs the scope through the middleware and returns the scope the app was called with. */
async function seenBy(options: ProxyHeadersOptions, scope: Scope): Promise<Scope> {
  let seen: Scope | undefined;
  const app: Application = async (inner) => {
    seen = inner;
  };
  await proxyHeaders(options)(app)(scope, noReceive, noSend);
  assert.ok(seen, 'the app was called');
  return seen;
}

async function seenConnection(
  options: ProxyHeadersOptions,
  scope: HttpScope | WebSocketScope,
): Promise<ConnectionScopeBase & { scheme: string; type: string }> {
  const seen = await seenBy(options, scope);
  assert.notEqual(seen.type, 'lifespan');
  return seen as HttpScope | WebSocketScope;
}

function hostHeaders(scope: { headers: HeaderList }): string[] {
  return scope.headers.filter(([name]) => name === 'host').map(([, value]) => value);
}

const trustProxy: ProxyHeadersOptions = { trustedProxies: ['10.0.0.0/8'] };
const trustBoth: ProxyHeadersOptions = { ...trustProxy, headers: 'both' };

describe('proxyHeaders: which peers are trusted', () => {
  it('[SEC-6] ignores forwarding headers from an untrusted peer', async () => {
    const scope = httpScope(
      [
        ['x-forwarded-for', '203.0.113.9'],
        ['x-forwarded-proto', 'https'],
        ['x-forwarded-host', 'shop.example'],
        ['forwarded', 'for=198.51.100.1;proto=https;host=evil.example'],
      ],
      { client: { host: '192.0.2.50', port: 6000 } },
    );
    const seen = await seenBy(trustProxy, scope);
    assert.equal(seen, scope);
    assert.deepEqual((seen as HttpScope).client, { host: '192.0.2.50', port: 6000 });
    assert.equal((seen as HttpScope).scheme, 'http');
    assert.deepEqual(hostHeaders(seen as HttpScope), ['app.internal:8000']);
  });

  it('[SEC-6] uses the forwarding headers of a trusted peer', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-for', '203.0.113.9'],
        ['x-forwarded-proto', 'https'],
        ['x-forwarded-host', 'shop.example'],
      ]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
    assert.equal(seen.scheme, 'https');
    assert.deepEqual(hostHeaders(seen), ['shop.example']);
  });

  it('[SEC-6] trusts exact IPv4 and IPv6 addresses', async () => {
    const options = { trustedProxies: ['127.0.0.1', '::1'] };
    const xff: HeaderList = [['x-forwarded-for', '203.0.113.9']];
    for (const host of ['127.0.0.1', '::1']) {
      const seen = await seenConnection(options, httpScope(xff, { client: { host, port: 1 } }));
      assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 }, host);
    }
    for (const host of ['127.0.0.2', '::2']) {
      const seen = await seenConnection(options, httpScope(xff, { client: { host, port: 1 } }));
      assert.deepEqual(seen.client, { host, port: 1 }, host);
    }
  });

  it('[SEC-6] trusts peers in IPv6 CIDR ranges', async () => {
    const options = { trustedProxies: ['fd00::/8'] };
    const xff: HeaderList = [['x-forwarded-for', '2001:db8::77']];
    const inside = await seenConnection(
      options,
      httpScope(xff, { client: { host: 'fd12::3', port: 1 } }),
    );
    assert.deepEqual(inside.client, { host: '2001:db8::77', port: 0 });
    const outside = await seenConnection(
      options,
      httpScope(xff, { client: { host: 'fe80::3', port: 1 } }),
    );
    assert.deepEqual(outside.client, { host: 'fe80::3', port: 1 });
  });

  it('[SEC-6] trusts an IPv4-mapped IPv6 peer through an IPv4 range', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([['x-forwarded-for', '203.0.113.9']], {
        client: { host: '::ffff:10.0.0.2', port: 1 },
      }),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
  });

  it('[SEC-6] trusts unix-socket peers only when "unix" is listed', async () => {
    const unix = { client: null, server: { host: '/run/app.sock', port: null } };
    const xff: HeaderList = [
      ['x-forwarded-for', '203.0.113.9'],
      ['x-forwarded-proto', 'https'],
    ];
    const trusted = await seenConnection({ trustedProxies: ['unix'] }, httpScope(xff, unix));
    assert.deepEqual(trusted.client, { host: '203.0.113.9', port: 0 });
    assert.equal(trusted.scheme, 'https');
    const untrusted = await seenConnection({ trustedProxies: ['127.0.0.1'] }, httpScope(xff, unix));
    assert.equal(untrusted.client, null);
    assert.equal(untrusted.scheme, 'http');
    // A TCP peer is not a unix peer.
    const tcp = await seenConnection({ trustedProxies: ['unix'] }, httpScope(xff));
    assert.deepEqual(tcp.client, PROXY);
  });

  it('[SEC-6] trusts every peer with "*", and then the leftmost address is the client', async () => {
    const seen = await seenConnection(
      { trustedProxies: ['*'] },
      httpScope([['x-forwarded-for', '198.51.100.1, 203.0.113.9, 192.0.2.3']], {
        client: { host: '192.0.2.200', port: 1 },
      }),
    );
    assert.deepEqual(seen.client, { host: '198.51.100.1', port: 0 });
  });
});

describe('proxyHeaders: X-Forwarded-For chains', () => {
  it('[SEC-6] walks from the right past trusted proxies to the first untrusted address', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([['x-forwarded-for', '1.1.1.1, 203.0.113.9, 10.0.0.7, 10.0.0.5']]),
    );
    // 1.1.1.1 was written by the client itself and is not believed.
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
  });

  it('uses the leftmost address when every address is trusted', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([['x-forwarded-for', '10.1.1.1, 10.0.0.7']]),
    );
    assert.deepEqual(seen.client, { host: '10.1.1.1', port: 0 });
  });

  it('joins several X-Forwarded-For lines into one list, in order', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-for', '203.0.113.9'],
        ['x-forwarded-for', '10.0.0.7'],
      ]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
  });

  it('reads ports and IPv6 addresses in brackets or bare', async () => {
    const cases: [string, Address][] = [
      ['203.0.113.9:4711', { host: '203.0.113.9', port: 4711 }],
      ['[2001:db8::1]:4711', { host: '2001:db8::1', port: 4711 }],
      ['[2001:db8::1]', { host: '2001:db8::1', port: 0 }],
      ['2001:db8::1', { host: '2001:db8::1', port: 0 }],
    ];
    for (const [value, client] of cases) {
      const seen = await seenConnection(trustProxy, httpScope([['x-forwarded-for', value]]));
      assert.deepEqual(seen.client, client, value);
    }
  });

  it('skips empty list entries', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([['x-forwarded-for', ' , 203.0.113.9,, 10.0.0.7 ,']]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
  });

  it('gives client null for "unknown" and obfuscated nodes', async () => {
    for (const value of ['unknown', 'UNKNOWN, 10.0.0.7', '_gazonk']) {
      const seen = await seenConnection(trustProxy, httpScope([['x-forwarded-for', value]]));
      assert.equal(seen.client, null, value);
    }
  });

  it('keeps the peer when the walk reaches a malformed entry', async () => {
    for (const value of ['not-an-ip', 'garbage, 10.0.0.7', '203.0.113.9:99999', 'fe80::1%eth0']) {
      const seen = await seenConnection(trustProxy, httpScope([['x-forwarded-for', value]]));
      assert.deepEqual(seen.client, PROXY, value);
    }
  });

  it('never reaches a malformed entry left of the client', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([['x-forwarded-for', '<script>, 203.0.113.9, 10.0.0.7']]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
  });
});

describe('proxyHeaders: scheme, host and port', () => {
  it('[HTTP-SCOPE-5] sets the scheme from X-Forwarded-Proto, in any case', async () => {
    for (const [proto, scheme] of [
      ['https', 'https'],
      ['HTTPS', 'https'],
      ['http', 'http'],
      ['wss', 'https'],
    ]) {
      const seen = await seenConnection(
        trustProxy,
        httpScope([['x-forwarded-proto', proto!]], {
          scheme: 'https' === scheme ? 'http' : 'https',
        }),
      );
      assert.equal(seen.scheme, scheme, proto);
    }
  });

  it('[WS-SCOPE-1] maps the scheme to ws and wss for WebSocket scopes', async () => {
    for (const [proto, scheme] of [
      ['https', 'wss'],
      ['wss', 'wss'],
      ['http', 'ws'],
      ['ws', 'ws'],
    ]) {
      const seen = await seenConnection(
        trustProxy,
        wsScope([['x-forwarded-proto', proto!]], { scheme: scheme === 'wss' ? 'ws' : 'wss' }),
      );
      assert.equal(seen.type, 'websocket');
      assert.equal(seen.scheme, scheme, proto);
    }
  });

  it('ignores a scheme that is neither http, https, ws nor wss', async () => {
    for (const proto of ['ftp', 'https ;', '']) {
      const scope = httpScope([['x-forwarded-proto', proto]]);
      const seen = await seenConnection(trustProxy, scope);
      assert.equal(seen.scheme, 'http', proto);
      assert.equal(seen, scope, 'nothing to change, no copy');
    }
  });

  it('takes the X-Forwarded-Proto entry that lines up with the client', async () => {
    // The edge proxy saw https from the client; the inner proxy saw http from the edge proxy.
    const seen = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-for', '203.0.113.9, 10.0.0.7'],
        ['x-forwarded-proto', 'https, http'],
      ]),
    );
    assert.equal(seen.scheme, 'https');
    // A single value is used whatever the length of the chain.
    const single = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-for', '203.0.113.9, 10.0.0.7, 10.0.0.8'],
        ['x-forwarded-proto', 'https'],
      ]),
    );
    assert.equal(single.scheme, 'https');
  });

  it('lines up X-Forwarded-Host and -Port lists the same way, using the leftmost when short', async () => {
    const seen = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-for', '203.0.113.9,10.0.0.7,\t10.0.0.8'],
        ['x-forwarded-host', 'shop.example, inner.example , ,edge.internal'],
        ['x-forwarded-proto', ' https ,'],
        ['x-forwarded-port', '8443, 80'],
      ]),
    );
    // Two trusted hops were skipped: the host is third from the right,
    // the one-entry proto is used as is, and the two-entry port list is
    // shorter than the chain, so its leftmost entry is used.
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
    assert.equal(seen.scheme, 'https');
    assert.deepEqual(hostHeaders(seen), ['shop.example:8443']);
  });

  it('replaces the host header with X-Forwarded-Host, in place, keeping the other headers', async () => {
    const scope = httpScope([['x-forwarded-host', 'shop.example']]);
    const seen = await seenConnection(trustProxy, scope);
    assert.deepEqual(seen.headers, [
      ['host', 'shop.example'],
      ['x-forwarded-host', 'shop.example'],
      ['accept', '*/*'],
    ]);
  });

  it('adds a host header when the request had none', async () => {
    const scope = httpScope([['x-forwarded-host', 'shop.example:8443']]);
    scope.headers = scope.headers.filter(([name]) => name !== 'host');
    const seen = await seenConnection(trustProxy, scope);
    assert.deepEqual(hostHeaders(seen), ['shop.example:8443']);
  });

  it('ignores a malformed X-Forwarded-Host', async () => {
    for (const value of ['evil.example/path', 'a b', 'user@host', 'host:99999']) {
      const seen = await seenConnection(trustProxy, httpScope([['x-forwarded-host', value]]));
      assert.deepEqual(hostHeaders(seen), ['app.internal:8000'], value);
    }
  });

  it('sets the port of the host from X-Forwarded-Port, leaving out default ports', async () => {
    const custom = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-host', 'shop.example'],
        ['x-forwarded-port', '8443'],
        ['x-forwarded-proto', 'https'],
      ]),
    );
    assert.deepEqual(hostHeaders(custom), ['shop.example:8443']);
    const standard = await seenConnection(
      trustProxy,
      httpScope([
        ['x-forwarded-port', '443'],
        ['x-forwarded-proto', 'https'],
      ]),
    );
    assert.deepEqual(hostHeaders(standard), ['app.internal']);
    const ws = await seenConnection(trustProxy, wsScope([['x-forwarded-port', '80']]));
    assert.deepEqual(hostHeaders(ws), ['app.internal']);
  });

  it('ignores a malformed X-Forwarded-Port', async () => {
    for (const value of ['0', '65536', 'http', '-1', '80a']) {
      const seen = await seenConnection(trustProxy, httpScope([['x-forwarded-port', value]]));
      assert.deepEqual(hostHeaders(seen), ['app.internal:8000'], value);
    }
  });
});

describe('proxyHeaders: the Forwarded header (RFC 7239)', () => {
  it('[SEC-6] reads for, proto and host', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([['forwarded', 'for=192.0.2.60;proto=https;by=203.0.113.43;host=shop.example']]),
    );
    assert.deepEqual(seen.client, { host: '192.0.2.60', port: 0 });
    assert.equal(seen.scheme, 'https');
    assert.deepEqual(hostHeaders(seen), ['shop.example']);
  });

  it('reads a quoted IPv6 address with a port', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([['forwarded', 'for="[2001:db8:cafe::17]:4711"']]),
    );
    assert.deepEqual(seen.client, { host: '2001:db8:cafe::17', port: 4711 });
  });

  it('reads parameter names in any case', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([['forwarded', 'FOR=192.0.2.60;Proto=HTTPS']]),
    );
    assert.deepEqual(seen.client, { host: '192.0.2.60', port: 0 });
    assert.equal(seen.scheme, 'https');
  });

  it('[SEC-6] walks elements of several lines from the right, taking proto and host from the client element', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([
        ['forwarded', 'for=1.1.1.1;proto=http;host=spoof.example'],
        ['forwarded', 'for=203.0.113.9;proto=https;host=shop.example, for=10.0.0.7;proto=http'],
        ['forwarded', 'for=10.0.0.8;host=inner.example'],
      ]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
    assert.equal(seen.scheme, 'https');
    assert.deepEqual(hostHeaders(seen), ['shop.example']);
  });

  it('uses the leftmost element when every node is trusted', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([['forwarded', 'for=10.1.1.1;proto=https, for=10.0.0.7;proto=http']]),
    );
    assert.deepEqual(seen.client, { host: '10.1.1.1', port: 0 });
    assert.equal(seen.scheme, 'https');
  });

  it('gives client null for unknown and obfuscated nodes, and still applies proto', async () => {
    for (const node of ['unknown', '"_hidden"', '"_SEVKISEK:_port"']) {
      const seen = await seenConnection(
        trustBoth,
        httpScope([['forwarded', `for=${node};proto=https`]]),
      );
      assert.equal(seen.client, null, node);
      assert.equal(seen.scheme, 'https', node);
    }
  });

  it('keeps the peer for an element without for=, and applies its proto', async () => {
    const seen = await seenConnection(trustBoth, httpScope([['forwarded', 'proto=https']]));
    assert.deepEqual(seen.client, PROXY);
    assert.equal(seen.scheme, 'https');
  });

  it('changes nothing when the walk reaches a malformed line or node', async () => {
    for (const value of [
      'for=203.0.113.9;proto=https;proto=http',
      'for="unterminated;proto=https',
      'for=not-an-ip;proto=https',
      'for=[2001:db8::1];proto=https',
    ]) {
      const scope = httpScope([
        ['forwarded', value],
        ['x-forwarded-for', '198.51.100.1'],
      ]);
      const seen = await seenConnection(trustBoth, scope);
      assert.equal(seen, scope, value);
    }
  });

  it('reads a valid line to the right of a malformed one', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([
        ['forwarded', 'for="broken'],
        ['forwarded', 'for=203.0.113.9'],
      ]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
  });

  it('ignores an invalid host= and a proto= of another scheme', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([['forwarded', 'for=203.0.113.9;host="a/b";proto=gopher']]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
    assert.equal(seen.scheme, 'http');
    assert.deepEqual(hostHeaders(seen), ['app.internal:8000']);
  });
});

describe('proxyHeaders: choosing the header family', () => {
  const both: HeaderList = [
    ['x-forwarded-for', '198.51.100.1'],
    ['x-forwarded-proto', 'http'],
    ['forwarded', 'for=203.0.113.9;proto=https'],
  ];

  it('with headers: "both", prefers Forwarded and then ignores every X-Forwarded header', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([...both, ['x-forwarded-host', 'other.example']]),
    );
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
    assert.equal(seen.scheme, 'https');
    assert.deepEqual(hostHeaders(seen), ['app.internal:8000']);
  });

  it('falls back to X-Forwarded when Forwarded holds no element', async () => {
    const seen = await seenConnection(
      trustBoth,
      httpScope([
        ['forwarded', ' , '],
        ['x-forwarded-for', '198.51.100.1'],
      ]),
    );
    assert.deepEqual(seen.client, { host: '198.51.100.1', port: 0 });
  });

  it('[SEC-6] reads only X-Forwarded by default, so a client cannot choose Forwarded', async () => {
    const seen = await seenConnection(trustProxy, httpScope(both));
    assert.deepEqual(seen.client, { host: '198.51.100.1', port: 0 });
    assert.equal(seen.scheme, 'http');
  });

  it('reads only X-Forwarded with headers: "x-forwarded"', async () => {
    const options: ProxyHeadersOptions = { ...trustProxy, headers: 'x-forwarded' };
    const seen = await seenConnection(options, httpScope(both));
    assert.deepEqual(seen.client, { host: '198.51.100.1', port: 0 });
    const onlyForwarded = httpScope([both[2]!]);
    assert.equal(await seenBy(options, onlyForwarded), onlyForwarded);
  });

  it('reads only Forwarded with headers: "forwarded"', async () => {
    const options: ProxyHeadersOptions = { ...trustProxy, headers: 'forwarded' };
    const seen = await seenConnection(options, httpScope(both));
    assert.deepEqual(seen.client, { host: '203.0.113.9', port: 0 });
    const onlyX = httpScope([both[0]!]);
    assert.equal(await seenBy(options, onlyX), onlyX);
  });
});

describe('proxyHeaders: the middleware contract', () => {
  it('[MW-1] is a function from application to application', () => {
    const middleware = proxyHeaders(trustProxy);
    assert.equal(typeof middleware, 'function');
    assert.equal(typeof middleware(async () => {}), 'function');
  });

  it('[MW-2] passes a copy and leaves the caller scope untouched', async () => {
    const scope = httpScope([
      ['x-forwarded-for', '203.0.113.9'],
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'shop.example'],
      ['x-forwarded-port', '8443'],
    ]);
    const before = structuredClone(scope);
    const seen = await seenConnection(trustProxy, scope);
    assert.notEqual(seen, scope);
    assert.notEqual(seen.headers, scope.headers);
    assert.deepEqual(scope, before);
    assert.deepEqual(hostHeaders(seen), ['shop.example:8443']);
    // Everything the middleware does not own is carried over.
    assert.equal(seen.path, scope.path);
    assert.equal(seen.extensions, scope.extensions);
    assert.equal((seen as HttpScope).method, 'GET');
  });

  it('[MW-2] leaves a WebSocket caller scope untouched', async () => {
    const scope = wsScope([
      ['forwarded', 'for="[2001:db8::1]:4711";proto=https;host=live.example'],
    ]);
    const before = structuredClone(scope);
    const seen = await seenConnection(trustBoth, scope);
    assert.equal(seen.scheme, 'wss');
    assert.deepEqual(scope, before);
    assert.deepEqual((seen as WebSocketScope).subprotocols, []);
  });

  it('[HTTP-SCOPE-13] gives the app scopes that pass the validator', async () => {
    const clients: unknown[] = [];
    const inner = validate(async (scope, _receive, send) => {
      if (scope.type === 'lifespan') throw new Error('expected a connection scope');
      clients.push(scope.client);
      if (scope.type === 'http') {
        await send({ type: 'http.response.start', status: 204 });
        await send({ type: 'http.response.body' });
      }
    });
    const app = proxyHeaders(trustBoth)(inner);
    const request: Receive = async () => ({
      type: 'http.request',
      body: new Uint8Array(),
      moreBody: false,
    });
    const ignore: Send = async () => {};
    await app(
      httpScope([['forwarded', 'for="[2001:db8::1]:4711";proto=https;host="shop.example:8443"']]),
      request,
      ignore,
    );
    await app(httpScope([['x-forwarded-for', 'unknown']]), request, ignore);
    await app(
      wsScope([
        ['x-forwarded-for', '203.0.113.9'],
        ['x-forwarded-proto', 'https'],
      ]),
      async () => ({ type: 'websocket.connect' }),
      ignore,
    );
    assert.deepEqual(clients, [
      { host: '2001:db8::1', port: 4711 },
      null,
      { host: '203.0.113.9', port: 0 },
    ]);
  });

  it('[MW-3] passes unknown events through unchanged in both directions', async () => {
    const incoming = { type: 'x.custom.in', value: 1 } as unknown as ReceiveEvent;
    const outgoing = { type: 'x.custom.out', value: 2 } as unknown as SendEvent;
    const sent: SendEvent[] = [];
    let received: ReceiveEvent | undefined;
    const app: Application = async (_scope, receive, send) => {
      received = await receive();
      await send(outgoing);
    };
    await proxyHeaders(trustProxy)(app)(
      httpScope([['x-forwarded-for', '203.0.113.9']]),
      async () => incoming,
      async (event) => {
        sent.push(event);
      },
    );
    assert.equal(received, incoming);
    assert.deepEqual(sent, [outgoing]);
    assert.equal(sent[0], outgoing);
  });

  it('passes lifespan scopes, receive and send through untouched', async () => {
    const scope: LifespanScope = { type: 'lifespan', tsgi: { version: '1.0' }, state: {} };
    const receive: Receive = async () => ({ type: 'lifespan.startup' });
    const send: Send = async () => {};
    let args: unknown[] = [];
    const app: Application = async (...given) => {
      args = given;
    };
    await proxyHeaders({ trustedProxies: ['*'] })(app)(scope, receive, send);
    assert.equal(args[0], scope);
    assert.equal(args[1], receive);
    assert.equal(args[2], send);
  });

  it('returns what the app returns and lets its errors through', async () => {
    const failure = new Error('boom');
    const app: Application = async () => {
      throw failure;
    };
    await assert.rejects(
      proxyHeaders(trustProxy)(app)(
        httpScope([['x-forwarded-for', '203.0.113.9']]),
        noReceive,
        noSend,
      ),
      (error) => error === failure,
    );
  });

  it('rejects a bad trusted proxy entry when it is built', () => {
    assert.throws(
      () => proxyHeaders({ trustedProxies: ['10.0.0.0/33'] }),
      (error: unknown) =>
        error instanceof TsgiError &&
        error.code === 'ERR_TSGI_INVALID_ARGUMENT' &&
        error.message.includes('"10.0.0.0/33" is not an IP address or CIDR'),
    );
  });

  it('rejects bad options', () => {
    const bad = [
      undefined,
      {},
      { trustedProxies: '10.0.0.1' },
      { trustedProxies: [], headers: 'x-real-ip' },
    ] as unknown as ProxyHeadersOptions[];
    for (const options of bad) {
      assert.throws(
        () => proxyHeaders(options),
        (error: unknown) =>
          error instanceof TsgiError && error.code === 'ERR_TSGI_INVALID_ARGUMENT',
        JSON.stringify(options),
      );
    }
  });
});
