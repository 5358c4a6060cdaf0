import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BindError,
  bindAll,
  describeBindError,
  listenOn,
  prepareUnixSocket,
} from '../src/listen/bind.js';
import {
  formatTarget,
  type ListenTarget,
  listenTargets,
  parseBindSpec,
} from '../src/listen/targets.js';
import { loadTls, TlsConfigError } from '../src/listen/tls.js';
import { resolveOptions } from '../src/options.js';
import { get, killAll, ServerProcess } from './fixtures/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgi-bind-'));
const TLS = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
const servers: net.Server[] = [];
after(async () => {
  killAll();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

const settings = { backlog: 511, udsMode: 0o666, secure: false };

function track<S extends net.Server>(server: S): S {
  servers.push(server);
  return server;
}

function hello(): http.Server {
  return track(http.createServer((_req, res) => res.end('hi')));
}

function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '::1', port: 0 }, () => probe.close(() => resolve(true)));
  });
}

function bindError(error: unknown): BindError {
  assert.ok(error instanceof BindError, `expected a BindError, got ${String(error)}`);
  assert.equal(error.code, 'ERR_TSGI_SERVER_BIND');
  assert.ok(!error.message.includes('\n'));
  return error;
}

describe('listen targets', () => {
  it('parses every --bind form', () => {
    assert.deepEqual(parseBindSpec('127.0.0.1:9000', 8000), {
      kind: 'tcp',
      host: '127.0.0.1',
      port: 9000,
    });
    assert.deepEqual(parseBindSpec('localhost', 8000), {
      kind: 'tcp',
      host: 'localhost',
      port: 8000,
    });
    assert.deepEqual(parseBindSpec(':9000', 8000), { kind: 'tcp', host: '0.0.0.0', port: 9000 });
    assert.deepEqual(parseBindSpec('[::1]:9000', 8000), { kind: 'tcp', host: '::1', port: 9000 });
    assert.deepEqual(parseBindSpec('[::]', 8000), { kind: 'tcp', host: '::', port: 8000 });
    assert.deepEqual(parseBindSpec('tcp://0.0.0.0:1', 8000), {
      kind: 'tcp',
      host: '0.0.0.0',
      port: 1,
    });
    assert.deepEqual(parseBindSpec('unix:/run/app.sock', 8000), {
      kind: 'unix',
      path: '/run/app.sock',
    });
    assert.deepEqual(parseBindSpec('unix:app.sock', 8000, '/srv'), {
      kind: 'unix',
      path: '/srv/app.sock',
    });
    assert.deepEqual(parseBindSpec('fd://3', 8000), { kind: 'fd', fd: 3 });
    for (const bad of ['::1:80', '[::1', '[nope]:1', 'host:x', 'fd://x', 'unix:', '']) {
      assert.equal(typeof parseBindSpec(bad, 8000), 'string', bad);
    }
  });

  it('derives targets from --host/--port only when nothing else is bound', () => {
    const base = { bind: [], host: '127.0.0.1', port: 8000, uds: null, fd: null };
    assert.deepEqual(listenTargets(base), [
      { kind: 'tcp', host: '127.0.0.1', port: 8000, flag: '--port' },
    ]);
    const several = listenTargets({
      ...base,
      bind: ['[::1]:9000', '[::1]:9000'],
      uds: '/tmp/a.sock',
      fd: 3,
    });
    assert.deepEqual(several.map(formatTarget), ['[::1]:9000', 'unix:/tmp/a.sock', 'fd://3']);
  });
});

describe('listenOn', () => {
  it('listens on an ephemeral IPv4 port and reports the port it got', async () => {
    const address = await listenOn(hello(), { kind: 'tcp', host: '127.0.0.1', port: 0 }, settings);
    assert.equal(address.kind, 'tcp');
    assert.equal(address.host, '127.0.0.1');
    assert.ok(address.port !== null && address.port > 0);
    assert.equal(address.url, `http://127.0.0.1:${address.port}`);
    assert.equal((await get(`${address.url}/`)).body, 'hi');
  });

  it('listens on IPv6 with the address in brackets in its URL', async (t) => {
    if (!(await hasIpv6Loopback())) {
      t.skip('no IPv6 loopback here');
      return;
    }
    const address = await listenOn(hello(), parseBindSpec('[::1]:0', 0) as ListenTarget, settings);
    assert.equal(address.host, '::1');
    assert.equal(address.url, `http://[::1]:${address.port}`);
    assert.equal((await get(`${address.url}/`)).body, 'hi');
  });

  it('says in one line which port is in use and how to pick another', async () => {
    const first = await listenOn(hello(), { kind: 'tcp', host: '127.0.0.1', port: 0 }, settings);
    const target: ListenTarget = {
      kind: 'tcp',
      host: '127.0.0.1',
      port: first.port!,
      flag: '--port',
    };
    const error = bindError(await listenOn(hello(), target, settings).catch((e: unknown) => e));
    assert.equal(
      error.message,
      `port ${first.port} on 127.0.0.1 is in use; pick another with --port`,
    );
    assert.equal(error.target, `127.0.0.1:${first.port}`);
  });

  it('says when the host is not an address of this machine', async () => {
    const target: ListenTarget = { kind: 'tcp', host: '192.0.2.1', port: 0, flag: '--port' };
    const error = bindError(await listenOn(hello(), target, settings).catch((e: unknown) => e));
    assert.equal(
      error.message,
      'cannot listen on 192.0.2.1:0: no network interface of this machine has address 192.0.2.1; check --host',
    );
  });

  it('creates a unix socket with the requested file mode', async () => {
    const path = join(dir, 'mode.sock');
    const address = await listenOn(
      hello(),
      { kind: 'unix', path },
      { ...settings, udsMode: 0o660 },
    );
    assert.deepEqual(
      { kind: address.kind, host: address.host, port: address.port, url: address.url },
      { kind: 'unix', host: path, port: null, url: `unix:${path}` },
    );
    assert.equal(statSync(path).mode & 0o777, 0o660);
    assert.equal((await get({ socketPath: path, path: '/' })).body, 'hi');
  });

  it('replaces a stale socket file left by a server that died', async () => {
    const path = join(dir, 'stale.sock');
    const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    await new Promise((resolve) => spawn(process.execPath, ['-e', script]).on('exit', resolve));
    assert.ok(statSync(path).isSocket(), 'the dead server left its socket file');
    await listenOn(hello(), { kind: 'unix', path }, settings);
    assert.equal((await get({ socketPath: path, path: '/' })).body, 'hi');
  });

  it('refuses a unix socket that a live server is using, and a path that is not a socket', async () => {
    const path = join(dir, 'live.sock');
    await listenOn(hello(), { kind: 'unix', path }, settings);
    const error = bindError(await prepareUnixSocket(path).catch((e: unknown) => e));
    assert.equal(
      error.message,
      `unix socket ${path} is in use by a running server; stop it or pick another path with --uds`,
    );
    assert.equal(
      (await get({ socketPath: path, path: '/' })).body,
      'hi',
      'the live server is untouched',
    );
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'data');
    const notSocket = bindError(await prepareUnixSocket(file, '--bind').catch((e: unknown) => e));
    assert.equal(
      notSocket.message,
      `${file} exists and is not a socket; remove it or pick another path with --bind`,
    );
    assert.ok(existsSync(file));
  });

  it('says when a descriptor is not a socket', async () => {
    const error = bindError(
      await listenOn(hello(), { kind: 'fd', fd: 987, flag: '--fd' }, settings).catch(
        (e: unknown) => e,
      ),
    );
    assert.equal(
      error.message,
      'cannot listen on fd://987: file descriptor 987 is not an open socket; check --fd',
    );
  });
});

describe('bindAll', () => {
  it('listens on several targets at once', async () => {
    const path = join(dir, 'multi.sock');
    const targets: ListenTarget[] = [
      { kind: 'tcp', host: '127.0.0.1', port: 0 },
      { kind: 'unix', path },
    ];
    const bound = await bindAll(targets, settings, () => hello());
    assert.equal(bound.length, 2);
    assert.equal((await get(`${bound[0]!.address.url}/`)).body, 'hi');
    assert.equal((await get({ socketPath: path, path: '/' })).body, 'hi');
  });

  it('closes what it bound when a later target fails', async () => {
    const taken = await listenOn(hello(), { kind: 'tcp', host: '127.0.0.1', port: 0 }, settings);
    const created: http.Server[] = [];
    const error = await bindAll(
      [
        { kind: 'tcp', host: '127.0.0.1', port: 0 },
        { kind: 'tcp', host: '127.0.0.1', port: taken.port! },
      ],
      settings,
      () => {
        const server = hello();
        created.push(server);
        return server;
      },
    ).catch((e: unknown) => e);
    bindError(error);
    assert.equal(created.length, 2);
    assert.equal(created[0]!.listening, false);
  });

  it('serves HTTPS with the certificate and key files', async () => {
    const tls = loadTls(
      resolveOptions({ certfile: join(TLS, 'cert.pem'), keyfile: join(TLS, 'key.pem') }),
    );
    assert.ok(tls !== null);
    const [bound] = await bindAll(
      [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
      { ...settings, secure: true },
      () => track(https.createServer(tls, (_req, res) => res.end('secure'))),
    );
    assert.match(bound!.address.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${bound!.address.url}/`, { ca: tls.cert, agent: false }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, 'secure');
  });
});

describe('TLS files', () => {
  it('returns null without a certificate', () => {
    assert.equal(loadTls(resolveOptions()), null);
  });

  it('says which file cannot be read', () => {
    assert.throws(
      () =>
        loadTls(
          resolveOptions({ certfile: join(dir, 'missing.pem'), keyfile: join(TLS, 'key.pem') }),
        ),
      (error: unknown) =>
        error instanceof TlsConfigError &&
        error.message === `cannot read --certfile ${join(dir, 'missing.pem')}: no such file`,
    );
  });

  it('says in one line when the key does not match the certificate', () => {
    assert.throws(
      () =>
        loadTls(
          resolveOptions({ certfile: join(TLS, 'cert.pem'), keyfile: join(TLS, 'other-key.pem') }),
        ),
      (error: unknown) =>
        error instanceof TlsConfigError &&
        /do not form a usable TLS setup: .*key values mismatch/.test(error.message) &&
        !error.message.includes('\n'),
    );
  });
});

describe('describeBindError', () => {
  const tcp: ListenTarget = { kind: 'tcp', host: '0.0.0.0', port: 80, flag: '--bind' };
  const code = (name: string) => Object.assign(new Error(name), { code: name });

  it('explains privileged ports, unknown hosts and unix socket problems', () => {
    assert.equal(
      describeBindError(code('EACCES'), tcp).message,
      'permission denied to listen on port 80 on 0.0.0.0: ports below 1024 need privileges; pick another with --bind',
    );
    assert.equal(
      describeBindError(code('ENOTFOUND'), { kind: 'tcp', host: 'nohost', port: 1 }).message,
      'cannot listen on nohost:1: host "nohost" does not resolve; check --host',
    );
    assert.equal(
      describeBindError(code('ENOENT'), { kind: 'unix', path: '/no/dir/a.sock' }).message,
      'cannot create unix socket /no/dir/a.sock: its directory does not exist',
    );
    assert.equal(
      describeBindError(code('EACCES'), { kind: 'unix', path: '/a.sock', flag: '--uds' }).message,
      'permission denied to create unix socket /a.sock; pick a writable path with --uds',
    );
  });
});

describe('an inherited socket', () => {
  it('serves on a listening socket passed as a file descriptor', { timeout: 60_000 }, async () => {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = listener.address() as net.AddressInfo;
    const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
    // Like systemd: the socket is open before the server starts, as its fd 3.
    const server = new ServerProcess(['serve', 'hello.js', '--fd', '3'], { extraFds: [fd] });
    // The child holds its own copy now; this process stops accepting on it.
    await new Promise((resolve) => listener.close(resolve));
    const url = await server.listening();
    assert.equal(url, `http://127.0.0.1:${port}`);
    assert.match((await get(`http://127.0.0.1:${port}/`)).body, /^hello from \d+$/);
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });
});
