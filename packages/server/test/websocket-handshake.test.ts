import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Application, WebSocketReceiveEvent } from 'tsgi';
import {
  deferred,
  fieldOf,
  handshakeRequest,
  openClient,
  rawConnect,
  rawExchange,
  startServer,
  statusOf,
  type TestServer,
} from './websocket-support.js';

/** Accepts with what the query asks for, then echoes until the client leaves. */
const acceptingApp: Application = async (scope, receive, send) => {
  if (scope.type !== 'websocket') throw new Error(`unexpected scope ${scope.type}`);
  await receive();
  const query = new URLSearchParams(scope.queryString);
  await send({
    type: 'websocket.accept',
    subprotocol: query.get('choose'),
    headers: [
      ['x-room', '7'],
      ['sec-websocket-accept', 'bm90LXRoZS1yaWdodC12YWx1ZQ=='],
      ['upgrade', 'not-websocket'],
      ['content-length', '12'],
    ],
  });
  for (;;) {
    const event = await receive();
    if (event.type === 'websocket.disconnect') return;
  }
};

describe('WebSocket handshake', { timeout: 20_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(acceptingApp, {
      options: { rootPath: '/api' },
      lifespanState: () => ({ pool: 'shared' }),
    });
  });
  after(() => server.close());

  it('[WS-CONNECT-1] the first receive() gives websocket.connect, before any answer', async () => {
    const gate = deferred<WebSocketReceiveEvent>();
    const local = await startServer(async (_scope, receive, send) => {
      gate.resolve((await receive()) as WebSocketReceiveEvent);
      await send({ type: 'websocket.accept' });
      await receive();
    });
    try {
      const client = openClient(local.url);
      assert.deepEqual(await gate.promise, { type: 'websocket.connect' });
      await client.opened;
      client.ws.close();
      await client.closed;
    } finally {
      await local.close();
    }
  });

  it('[WS-SCOPE-1] builds the scope from the handshake like an HTTP scope', async () => {
    const client = openClient(`${server.url}/api/chat%20room/a%2Fb?x=1&y=%20`, [], {
      headers: { 'X-Custom': 'Zo\u00eb', Cookie: 'a=1' },
    });
    const call = await server.nextCall();
    await client.opened;
    const { scope } = call;
    assert.equal(scope.type, 'websocket');
    assert.equal(scope.scheme, 'ws');
    assert.equal(scope.httpVersion, '1.1');
    assert.deepEqual(scope.tsgi, { version: '1.0' });
    assert.equal(scope.path, '/api/chat room/a/b');
    assert.equal(scope.rawPath, '/api/chat%20room/a%2Fb');
    assert.equal(scope.queryString, 'x=1&y=%20');
    assert.equal(scope.rootPath, '/api');
    assert.equal(Object.getPrototypeOf(scope), Object.prototype);
    for (const [name] of scope.headers) assert.equal(name, name.toLowerCase());
    const names = scope.headers.map(([name]) => name);
    assert.ok(names.includes('sec-websocket-key'));
    assert.ok(names.includes('upgrade'));
    assert.deepEqual(
      scope.headers.find(([name]) => name === 'x-custom'),
      ['x-custom', 'Zo\u00eb'],
    );
    assert.equal(scope.client?.host, '127.0.0.1');
    assert.equal(
      scope.client?.port,
      (client.ws as unknown as { _socket: { localPort: number } })._socket.localPort,
    );
    assert.deepEqual(scope.server, { host: '127.0.0.1', port: server.port });
    assert.deepEqual(scope.extensions, { 'websocket.http.response': {} });
    assert.equal('method' in scope, false);
    client.ws.close();
    await client.closed;
  });

  it('[LS-STATE-1] gives each scope its own shallow copy of the lifespan state', async () => {
    const first = openClient(`${server.url}/api/one`);
    const one = await server.nextCall();
    const second = openClient(`${server.url}/api/two`);
    const two = await server.nextCall();
    assert.deepEqual(one.scope.state, { pool: 'shared' });
    assert.notEqual(one.scope.state, two.scope.state);
    await Promise.all([first.opened, second.opened]);
    first.ws.close();
    second.ws.close();
    await Promise.all([first.closed, second.closed]);
  });

  it('[HTTP-SCOPE-9] refuses a path outside the mount point with 404, as for HTTP', async () => {
    const client = openClient(`${server.url}/apiary`);
    assert.equal((await client.refused).status, 404);
  });

  it('[WS-SCOPE-2] lists the offered subprotocols trimmed, in the client order', async () => {
    const raw = await rawConnect(
      server.port,
      handshakeRequest('/api/p', [
        'Sec-WebSocket-Protocol: chat.v2 ,  chat.v1',
        'Sec-WebSocket-Protocol: x',
      ]),
    );
    const call = await server.nextCall();
    assert.deepEqual(call.scope.subprotocols, ['chat.v2', 'chat.v1', 'x']);
    assert.equal(statusOf(raw.head), 101);
    raw.socket.destroy();
  });

  it('[WS-SCOPE-2] gives [] when the client offered no subprotocol', async () => {
    const client = openClient(`${server.url}/api/none`);
    const call = await server.nextCall();
    assert.deepEqual(call.scope.subprotocols, []);
    await client.opened;
    assert.equal(client.ws.protocol, '');
    client.ws.close();
    await client.closed;
  });

  it('[WS-ACCEPT-2] completes the handshake with the subprotocol the app chose', async () => {
    const client = openClient(`${server.url}/api/p?choose=chat.v1`, ['chat.v2', 'chat.v1']);
    await client.opened;
    assert.equal(client.ws.protocol, 'chat.v1');
    const upgrade = await client.upgrade;
    assert.equal(upgrade.headers['sec-websocket-protocol'], 'chat.v1');
    client.ws.close();
    await client.closed;
  });

  it('[WS-ACCEPT-3] adds the accept headers to the 101 without replacing handshake fields', async () => {
    const client = openClient(`${server.url}/api/h`);
    // The client checks sec-websocket-accept itself: opening proves it is the real one.
    await client.opened;
    const upgrade = await client.upgrade;
    assert.equal(upgrade.statusCode, 101);
    assert.equal(upgrade.headers['x-room'], '7');
    assert.equal(upgrade.headers.upgrade, 'websocket');
    assert.equal(upgrade.headers['content-length'], undefined);
    assert.notEqual(upgrade.headers['sec-websocket-accept'], 'bm90LXRoZS1yaWdodC12YWx1ZQ==');
    assert.equal(typeof upgrade.headers.date, 'string');
    client.ws.close();
    await client.closed;
  });

  it('[WS-ACCEPT-3] keeps the 101 valid on the wire, each handshake field once', async () => {
    const raw = await rawConnect(server.port, handshakeRequest('/api/raw'));
    assert.equal(statusOf(raw.head), 101);
    const lines = raw.head.split('\r\n').map((line) => line.toLowerCase());
    assert.equal(lines.filter((line) => line.startsWith('sec-websocket-accept:')).length, 1);
    assert.equal(lines.filter((line) => line.startsWith('upgrade:')).length, 1);
    assert.equal(fieldOf(raw.head, 'x-room'), '7');
    raw.socket.destroy();
  });

  it('[HTTP-CONN-3] answers a handshake without a valid key with 400 and never calls the app', async () => {
    let called = false;
    const local = await startServer(async () => {
      called = true;
    });
    try {
      const request = [
        'GET /x HTTP/1.1',
        'Host: 127.0.0.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: short',
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n');
      const response = await rawExchange(local.port, request);
      assert.equal(statusOf(response), 400);
      assert.equal(called, false);
    } finally {
      await local.close();
    }
  });

  it('[HTTP-CONN-3] answers an unsupported version with 426 naming version 13', async () => {
    const request = handshakeRequest('/api/x').replace(
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Version: 12',
    );
    const response = await rawExchange(server.port, request);
    assert.equal(statusOf(response), 426);
    assert.equal(fieldOf(response, 'sec-websocket-version'), '13');
  });

  it('[HTTP-CONN-3] answers a malformed subprotocol list with 400', async () => {
    const response = await rawExchange(
      server.port,
      handshakeRequest('/api/x', ['Sec-WebSocket-Protocol: a,,b']),
    );
    assert.equal(statusOf(response), 400);
  });
});

describe('WebSocket over TLS', { timeout: 20_000 }, () => {
  it('[EXT-TLS-1] gives scheme wss and the tls extension', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-ws-tls-'));
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    if (made.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      t.skip('openssl is not available to make a test certificate');
      return;
    }
    const tls = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
    rmSync(dir, { recursive: true, force: true });
    const server = await startServer(acceptingApp, { tls });
    try {
      // The client asks for a name by SNI; the certificate is self-signed.
      const clientTls = { rejectUnauthorized: false, servername: 'localhost' };
      const client = openClient(server.url, [], clientTls);
      const { scope } = await server.nextCall();
      await client.opened;
      assert.equal(scope.scheme, 'wss');
      const info = scope.extensions.tls;
      assert.ok(info !== undefined);
      assert.match(info.protocol, /^TLSv1\.[23]$/);
      assert.ok(info.cipher.length > 0);
      assert.equal(info.serverName, 'localhost');
      assert.equal(info.clientCertificate, null);
      assert.ok(scope.extensions['websocket.http.response']);
      client.ws.close();
      await client.closed;
    } finally {
      await server.close();
    }
  });
});
