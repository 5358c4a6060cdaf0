import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HeaderList } from 'tsgi';
import { AccessLogger, getAccessLogger, setAccessLogger } from '../src/log/access.js';
import { MemorySink } from '../src/log/sink.js';
import { serve } from '../src/serve.js';
import { getUpgradeHandler, setUpgradeHandler, type UpgradeContext } from '../src/upgrade.js';
import {
  deferred,
  exchange,
  header,
  httpOnly,
  RawClient,
  startHttp,
  textApp,
  until,
} from './http-support.js';

describe('serve()', { timeout: 20_000 }, () => {
  it('binds every target and reports the addresses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-serve-'));
    const path = join(dir, 'app.sock');
    const handle = await serve(httpOnly(textApp('both')), {
      bind: ['127.0.0.1:0', `unix:${path}`],
      lifespan: 'off',
      accessLog: false,
      udsMode: 0o600,
    });
    try {
      assert.equal(handle.addresses.length, 2);
      const [tcp, unix] = handle.addresses;
      assert.equal(tcp!.kind, 'tcp');
      assert.ok((tcp!.port ?? 0) > 0);
      assert.equal(tcp!.url, `http://127.0.0.1:${tcp!.port}`);
      assert.deepEqual([unix!.kind, unix!.host, unix!.port], ['unix', path, null]);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      for (const target of [tcp!.port!, path]) {
        const { client, responses } = await exchange(target, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
        client.destroy();
        assert.equal(responses[0]!.body.toString(), 'both');
      }
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts requests in flight and reports each finished one', async () => {
    const gate = deferred<void>();
    let served = 0;
    const server = await startHttp(async (scope, receive, send) => {
      await gate.promise;
      await textApp()(scope, receive, send);
    });
    server.handle.onRequestServed?.(() => served++);
    try {
      assert.equal(server.handle.inFlight(), 0);
      const pending = exchange(server.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await until(() => server.handle.inFlight() === 1, 'the request to be counted');
      gate.resolve();
      const { client } = await pending;
      client.destroy();
      await until(() => server.handle.inFlight() === 0, 'the request to finish');
      assert.equal(served, 1);
    } finally {
      await server.close();
    }
  });

  it('writes one access log line per request, with the status and the body size', async () => {
    const previous = getAccessLogger();
    const sink = new MemorySink();
    setAccessLogger(new AccessLogger(sink, 'common'));
    try {
      const server = await startHttp(textApp('12345'), { accessLog: true });
      try {
        const { client } = await exchange(
          server.port,
          'GET /logged?x=1 HTTP/1.1\r\nHost: h\r\n\r\n',
        );
        client.destroy();
        await until(() => sink.lines.length === 1, 'the access log line');
        assert.match(
          sink.lines[0]!,
          /^127\.0\.0\.1 - - \[.*\] "GET \/logged\?x=1 HTTP\/1\.1" 200 5 \d+$/,
        );
      } finally {
        await server.close();
      }
    } finally {
      setAccessLogger(previous);
    }
  });

  it('[HTTP-RESP-14] leaves out date and server when the settings say so', async () => {
    const server = await startHttp(textApp(), { dateHeader: false, serverHeader: false });
    try {
      const { client, responses } = await exchange(
        server.port,
        'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
      );
      client.destroy();
      assert.equal(header(responses[0]!.headers, 'date'), undefined);
      assert.equal(header(responses[0]!.headers, 'server'), undefined);
    } finally {
      await server.close();
    }
  });
});

describe('graceful close', { timeout: 20_000 }, () => {
  it('[LS-5] stops accepting, finishes in-flight requests, closes idle keep-alive connections', async () => {
    const gate = deferred<void>();
    const started = deferred<void>();
    const server = await startHttp(async (scope, receive, send) => {
      if (scope.path === '/slow') {
        started.resolve();
        await gate.promise;
      }
      await textApp(scope.path)(scope, receive, send);
    });
    const idle = await RawClient.connect(server.port);
    idle.write('GET /idle HTTP/1.1\r\nHost: h\r\n\r\n');
    await idle.responses(1);
    const busy = await RawClient.connect(server.port);
    busy.write('GET /slow HTTP/1.1\r\nHost: h\r\n\r\n');
    await started.promise;
    const closed = server.close();
    assert.equal(server.close(), closed, 'close() is idempotent');
    await idle.waitClosed();
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.destroy();
          resolve();
        });
        socket.on('error', reject);
      }),
      /ECONNREFUSED/,
    );
    gate.resolve();
    const [response] = await busy.responses(1);
    assert.equal(response!.body.toString(), '/slow');
    assert.equal(header(response!.headers, 'connection'), 'close');
    await closed;
    await busy.waitClosed();
  });
});

describe('upgrade hand-off', { timeout: 20_000 }, () => {
  it('checks a WebSocket handshake like any request, then hands it over with the context', async () => {
    const previous = getUpgradeHandler();
    const contexts: UpgradeContext[] = [];
    const lists: HeaderList[] = [];
    setUpgradeHandler((_req, socket, _head, context, headers) => {
      contexts.push(context);
      lists.push(headers);
      socket.end("HTTP/1.1 418 I'm a teapot\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    try {
      const server = await startHttp(textApp('plain'));
      try {
        const ws =
          'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
        const first = await RawClient.connect(server.port);
        first.write(ws);
        await first.waitClosed();
        assert.match(first.text, /^HTTP\/1\.1 418 /);
        assert.equal(contexts.length, 1);
        assert.equal(contexts[0]!.options.maxBodySize, 100 * 1024 * 1024);
        assert.equal(contexts[0]!.lifespanState(), undefined);
        // The header list read once by the HTTP side, ready for the scope.
        assert.deepEqual(lists[0], [
          ['host', 'h'],
          ['upgrade', 'websocket'],
          ['connection', 'Upgrade'],
          ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
          ['sec-websocket-version', '13'],
        ]);
        // [SEC-4] A handshake with two hosts never reaches the handler.
        const bad = await RawClient.connect(server.port);
        bad.write(ws.replace('Host: h\r\n', 'Host: h\r\nHost: i\r\n'));
        await bad.waitClosed();
        assert.match(bad.text, /^HTTP\/1\.1 400 /);
        assert.equal(contexts.length, 1);
        // Another upgrade is declined: the request is served as plain HTTP.
        const h2c = await RawClient.connect(server.port);
        h2c.write(
          'GET /h2c HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n',
        );
        const [response] = await h2c.responses(1);
        assert.equal(response!.body.toString(), 'plain');
        h2c.destroy();
      } finally {
        await server.close();
      }
    } finally {
      setUpgradeHandler(previous);
    }
  });
});
