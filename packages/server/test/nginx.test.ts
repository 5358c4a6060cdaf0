// The reference server deployed as docs/deploy.md describes it: a real NGINX,
// run from the configuration block of that guide (only ports, paths and the
// certificate replaced), in front of two instances of the built `tsgi serve`,
// each on its own unix socket with `--proxy-headers --forwarded-allow-ips unix`.
// Everything goes over real sockets. Skipped, with the reason printed, when no
// nginx binary is installed.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import {
  killAll,
  removeTemporaryDirectories,
  ServerProcess,
  temporaryDirectory,
  until,
} from './fixtures/server-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GUIDE = join(ROOT, 'docs/deploy.md');
const BUILT_CLI = fileURLToPath(new URL('./fixtures/built-cli.js', import.meta.url));
const DIST_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CERT = fileURLToPath(new URL('./fixtures/tls/cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('./fixtures/tls/key.pem', import.meta.url));

/**
 * Finds the nginx binary: `NGINX_BIN` when set, else `nginx` on the PATH or in
 * the sbin directories, which are often missing from the PATH of users other
 * than root. Returns the path, or why there is none.
 */
function findNginx(): { path: string } | { reason: string } {
  const explicit = process.env.NGINX_BIN;
  if (explicit !== undefined && explicit !== '') {
    return isExecutable(explicit)
      ? { path: explicit }
      : { reason: `NGINX_BIN is ${explicit}, which is not an executable file` };
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const extra of ['/usr/sbin', '/usr/local/sbin']) if (!dirs.includes(extra)) dirs.push(extra);
  for (const dir of dirs) {
    const candidate = join(dir, 'nginx');
    if (isExecutable(candidate)) return { path: candidate };
  }
  return {
    reason: `nginx is not installed (looked in ${dirs.join(delimiter)}); install it (apt-get install nginx) or set NGINX_BIN to run the deployment test`,
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const found = findNginx();
const skip = 'reason' in found ? found.reason : false;
if (skip !== false) console.log(`nginx deployment test skipped: ${skip}`);
/** Every test of the suite is skipped, so that the summary counts them. */
const options = { skip };

/** What the fixture app `scope-facts.js` answers: the facts of its scope. */
interface Facts {
  instance: string;
  pid: number;
  type: string;
  scheme: string;
  client: { host: string; port: number } | null;
  server: { host: string; port: number | null } | null;
  host: string | null;
  path: string;
  rootPath: string;
}

/** The answer to a request. */
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The local port of the connection the request went on, for TCP. */
  localPort: number | undefined;
}

/** Where and how to send a request. */
interface Target {
  port?: number;
  socketPath?: string;
  tls?: boolean;
  path: string;
  headers?: Record<string, string>;
}

const ca = readFileSync(CERT);

/** Sends a GET on a fresh connection and reads the whole answer. */
function request(target: Target, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      agent: false,
      path: target.path,
      headers: { connection: 'close', ...target.headers },
    };
    if (target.socketPath !== undefined) options.socketPath = target.socketPath;
    else {
      options.host = '127.0.0.1';
      options.port = target.port;
    }
    if (target.tls === true) {
      options.ca = ca;
      options.servername = 'localhost';
    }
    const req = (target.tls === true ? https : http).get(options);
    let localPort: number | undefined;
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        localPort = socket.localPort;
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, localPort }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Sends a GET and parses the app's facts, failing on any status but 200. */
async function facts(target: Target): Promise<Facts> {
  const answer = await request(target);
  assert.equal(answer.status, 200, `status of ${target.path}: ${answer.body}`);
  return JSON.parse(answer.body) as Facts;
}

/** A free TCP port on the loopback (free when asked; NGINX start is retried if it is taken). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** Resolves once something accepts TCP connections on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Fails unless `promise` settles within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the NGINX block of the deployment guide, between its markers. */
function guideConfig(): string {
  const text = readFileSync(GUIDE, 'utf8');
  const match =
    /<!-- nginx-config:start -->\s*```nginx\n([\s\S]*?)\n```\s*<!-- nginx-config:end -->/.exec(
      text,
    );
  if (match === null) {
    throw new Error(
      'docs/deploy.md has no ```nginx block between <!-- nginx-config:start --> and <!-- nginx-config:end -->',
    );
  }
  return match[1]!;
}

/** Replaces each `from` with its `to`; a `from` that the guide no longer has is an error, so the two cannot drift apart. */
function substitute(block: string, replacements: readonly (readonly [string, string])[]): string {
  let result = block;
  for (const [from, to] of replacements) {
    if (!result.includes(from)) {
      throw new Error(
        `the nginx block of docs/deploy.md no longer contains ${JSON.stringify(from)}, which this test replaces; update one or the other`,
      );
    }
    result = result.split(from).join(to);
  }
  return result;
}

/** A running NGINX. */
interface Nginx {
  child: ChildProcess;
  httpPort: number;
  httpsPort: number;
  errorLog: string;
  config: string;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Starts NGINX on free loopback ports with the guide's configuration; retries when a port was taken meanwhile. */
async function startNginx(binary: string, dir: string, sockets: [string, string]): Promise<Nginx> {
  const block = guideConfig();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const httpPort = await freePort();
    const httpsPort = await freePort();
    const site = substitute(block, [
      ['listen 80;', `listen 127.0.0.1:${httpPort};`],
      ['listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`],
      ['/run/tsgi-1/http.sock', sockets[0]],
      ['/run/tsgi-2/http.sock', sockets[1]],
      ['/etc/ssl/certs/example.com.pem', CERT],
      ['/etc/ssl/private/example.com.key', KEY],
    ]);
    const errorLog = join(dir, `error-${attempt}.log`);
    // What a distribution's nginx.conf provides around the guide's block,
    // with every path inside the temporary directory.
    const config = [
      'daemon off;',
      'master_process on;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} notice;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      `  client_body_temp_path ${join(dir, 'client_body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      site,
      '}',
      '',
    ].join('\n');
    const configFile = join(dir, 'nginx.conf');
    writeFileSync(configFile, config);
    const child = spawn(binary, ['-p', `${dir}/`, '-c', configFile, '-e', errorLog], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that cleanup reaches its worker too.
      detached: true,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = once(child, 'exit');
    process.on('exit', () => killGroup(child, 'SIGKILL'));
    const deadline = Date.now() + 10_000;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      ready = (await accepts(httpPort)) && (await accepts(httpsPort));
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (ready) return { child, httpPort, httpsPort, errorLog, config };
    killGroup(child, 'SIGKILL');
    await exited;
    const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
    lastError = new Error(`nginx did not start:\n${output}${log}\nconfiguration:\n${config}`);
    if (!/Address already in use/.test(output + log)) break;
  }
  throw lastError;
}

/** An open WebSocket client with its first message (the app's facts) and its later messages. */
interface Client {
  socket: WebSocket;
  facts: Facts;
  messages: (string | Buffer)[];
  closed: Promise<{ code: number; reason: string }>;
}

async function openWebSocket(url: string): Promise<Client> {
  const socket = new WebSocket(url, { ca, handshakeTimeout: 10_000 });
  const messages: (string | Buffer)[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const first = new Promise<Facts>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data, isBinary) => {
      const message = isBinary ? Buffer.from(data as Buffer) : (data as Buffer).toString('utf8');
      if (messages.length === 0 && typeof message === 'string') {
        resolve(JSON.parse(message) as Facts);
      }
      messages.push(message);
    });
  });
  const facts = await within(first, 10_000, `the first message on ${url}`);
  return { socket, facts, messages, closed };
}

/** Sends a message and waits for the echo. */
async function echo(client: Client, message: string | Buffer): Promise<string | Buffer> {
  const count = client.messages.length;
  client.socket.send(message);
  await until(() => client.messages.length > count, 'the echo', 10_000);
  return client.messages[count]!;
}

describe('the server behind NGINX, configured as docs/deploy.md says', { timeout: 90_000 }, () => {
  let dir = '';
  let nginx: Nginx;
  const sockets: [string, string] = ['', ''];
  const instances = new Map<string, ServerProcess>();
  /** The TCP address instance `a` also listens on, which NGINX does not use. */
  let directPort = 0;

  before(async () => {
    if (skip !== false) return;
    if (!existsSync(DIST_CLI)) {
      throw new Error(`${DIST_CLI} is missing: build first (npx tsc -b)`);
    }
    dir = temporaryDirectory('tsgi-nginx-');
    // NGINX started by root runs its worker as nobody, which must reach the sockets.
    chmodSync(dir, 0o755);
    sockets[0] = join(dir, 'a.sock');
    sockets[1] = join(dir, 'b.sock');
    const start = (name: string, socket: string, extra: string[]) => {
      const server = new ServerProcess(
        [
          'serve',
          'scope-facts.js',
          '--uds',
          socket,
          '--proxy-headers',
          '--forwarded-allow-ips',
          'unix',
          '--no-access-log',
          '--graceful-timeout',
          '5',
          '--workers',
          '1',
          ...extra,
        ],
        {
          command: [BUILT_CLI],
          env: { FACTS_INSTANCE: name, FACTS_RELEASE_DIR: dir },
        },
      );
      instances.set(name, server);
      return server;
    };
    const a = start('a', sockets[0], ['--bind', '127.0.0.1:0']);
    const b = start('b', sockets[1], []);
    await Promise.all([
      a.waitFor(/listening on unix:/),
      b.waitFor(/listening on unix:/),
      a.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/),
    ]);
    const tcp = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(a.output);
    directPort = Number(tcp![1]);
    nginx = await startNginx((found as { path: string }).path, dir, sockets);
  });

  after(async () => {
    if (nginx !== undefined) {
      const exited = once(nginx.child, 'exit');
      killGroup(nginx.child, 'SIGTERM');
      await within(exited, 5_000, 'nginx to stop').catch(() => killGroup(nginx.child, 'SIGKILL'));
    }
    killAll();
    removeTemporaryDirectories();
  });

  /** The instance that answered, checked against the socket it listens on. */
  function instanceOf(f: Facts): string {
    const socket = f.instance === 'a' ? sockets[0] : f.instance === 'b' ? sockets[1] : null;
    assert.ok(socket !== null, `unknown instance ${JSON.stringify(f.instance)}`);
    assert.deepEqual(
      f.server,
      { host: socket, port: null },
      'the request came over the unix socket',
    );
    return f.instance;
  }

  it('spreads requests over both instances', options, async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const f = await facts({ port: nginx.httpPort, path: `/balance/${i}` });
      assert.equal(f.path, `/balance/${i}`);
      const name = instanceOf(f);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    assert.ok((counts.get('a') ?? 0) >= 5, `instance a served ${counts.get('a') ?? 0} of 20`);
    assert.ok((counts.get('b') ?? 0) >= 5, `instance b served ${counts.get('b') ?? 0} of 20`);
  });

  it(
    '[HTTP-SCOPE-13] [SEC-6] the app sees the client address, not the socket, whatever the client claims',
    options,
    async () => {
      for (let i = 0; i < 2; i++) {
        const plain = await facts({ port: nginx.httpPort, path: '/client' });
        assert.deepEqual(plain.client, { host: '127.0.0.1', port: 0 });
        instanceOf(plain);
        // NGINX appends its peer to the list; the server takes the rightmost untrusted entry.
        const spoofed = await facts({
          port: nginx.httpPort,
          path: '/client',
          headers: { 'x-forwarded-for': '203.0.113.7' },
        });
        assert.deepEqual(spoofed.client, { host: '127.0.0.1', port: 0 });
      }
    },
  );

  it(
    '[HTTP-SCOPE-5] [SEC-6] the scheme and host are the ones the client used: http on the plain port, https on the TLS port',
    options,
    async () => {
      const plain = await facts({
        port: nginx.httpPort,
        path: '/scheme',
        headers: {
          host: `localhost:${nginx.httpPort}`,
          // NGINX replaces these with its own values.
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'attacker.example',
          'x-forwarded-port': '1',
        },
      });
      assert.equal(plain.scheme, 'http');
      assert.equal(plain.host, `localhost:${nginx.httpPort}`);

      const secure = await facts({
        port: nginx.httpsPort,
        tls: true,
        path: '/scheme',
        headers: { host: `localhost:${nginx.httpsPort}`, 'x-forwarded-proto': 'http' },
      });
      assert.equal(secure.scheme, 'https');
      assert.equal(secure.host, `localhost:${nginx.httpsPort}`);
      assert.deepEqual(secure.client, { host: '127.0.0.1', port: 0 });
      instanceOf(secure);
    },
  );

  it(
    '[WS-SCOPE-1] a WebSocket opens through NGINX, with the client address and ws or wss, and echoes',
    options,
    async () => {
      for (const [url, scheme] of [
        [`ws://127.0.0.1:${nginx.httpPort}/chat?room=1`, 'ws'],
        [`wss://127.0.0.1:${nginx.httpsPort}/chat?room=1`, 'wss'],
      ] as const) {
        const client = await openWebSocket(url);
        try {
          assert.equal(client.facts.type, 'websocket');
          assert.equal(client.facts.scheme, scheme);
          assert.equal(client.facts.path, '/chat');
          assert.deepEqual(client.facts.client, { host: '127.0.0.1', port: 0 });
          assert.equal(client.facts.host, new URL(url).host);
          instanceOf(client.facts);
          assert.equal(await echo(client, 'hello through nginx'), 'hello through nginx');
          const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
          assert.deepEqual(await echo(client, bytes), bytes);
          const big = 'x'.repeat(200_000);
          assert.equal(await echo(client, big), big);
        } finally {
          client.socket.close(1000, 'done');
          await within(client.closed, 5_000, 'the WebSocket to close');
        }
      }
    },
  );

  it(
    'a streamed response reaches the client piece by piece, not when it ends',
    options,
    async () => {
      const token = `stream-${process.pid}`;
      const release = join(dir, token);
      let gotFirst: (body: string) => void = () => {};
      const firstPiece = new Promise<string>((resolve) => {
        gotFirst = resolve;
      });
      const answer = new Promise<string>((resolve, reject) => {
        const req = http.get({
          host: '127.0.0.1',
          port: nginx.httpPort,
          path: `/stream?release=${token}`,
          agent: false,
        });
        req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
        req.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
            gotFirst(body);
          });
          response.on('end', () => resolve(body));
          response.on('error', reject);
        });
        req.on('error', reject);
      });
      answer.catch(() => {});
      // The app holds the rest back until the release file exists: the first
      // piece must arrive without it.
      const first = await within(firstPiece, 5_000, 'the first piece, which NGINX held back');
      assert.equal(first, 'first\n');
      writeFileSync(release, '');
      assert.equal(await answer, 'first\nlast\n');
    },
  );

  it('[SEC-6] forwarded headers from a peer that is not trusted are ignored', options, async () => {
    const headers = {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'attacker.example',
    };
    // Over TCP, straight to the instance: 127.0.0.1 is not in --forwarded-allow-ips.
    const direct = await request({ port: directPort, path: '/direct', headers });
    assert.equal(direct.status, 200);
    const untrusted = JSON.parse(direct.body) as Facts;
    assert.equal(untrusted.instance, 'a');
    assert.deepEqual(untrusted.client, { host: '127.0.0.1', port: direct.localPort });
    assert.equal(untrusted.scheme, 'http');
    assert.equal(untrusted.host, `127.0.0.1:${directPort}`);
    // The same request on the unix socket, where the trusted proxy connects, is believed.
    const trusted = await facts({
      socketPath: sockets[0],
      path: '/direct',
      headers: { ...headers, host: 'example.com' },
    });
    assert.deepEqual(trusted.client, { host: '203.0.113.9', port: 0 });
    assert.equal(trusted.scheme, 'https');
    assert.equal(trusted.host, 'attacker.example');
  });

  it(
    'when an instance stops, every request still succeeds on the other, and its WebSockets close with 1001',
    options,
    async () => {
      const a = instances.get('a')!;
      // One WebSocket on each instance (round robin puts consecutive ones on both).
      const clients = new Map<string, Client>();
      for (let i = 0; i < 6 && clients.size < 2; i++) {
        const client = await openWebSocket(`ws://127.0.0.1:${nginx.httpPort}/live`);
        if (clients.has(client.facts.instance)) client.socket.terminate();
        else clients.set(client.facts.instance, client);
      }
      assert.deepEqual([...clients.keys()].sort(), ['a', 'b']);

      // Requests keep coming while instance a stops.
      let stopping = true;
      const during: { status: number; instance: string }[] = [];
      const traffic = (async () => {
        while (stopping) {
          try {
            const answer = await request({ port: nginx.httpPort, path: '/during' });
            const instance =
              answer.status === 200 ? (JSON.parse(answer.body) as Facts).instance : answer.body;
            during.push({ status: answer.status, instance });
          } catch (error) {
            during.push({ status: 0, instance: String(error) });
          }
        }
      })();
      await until(() => during.length >= 5, 'traffic to flow', 10_000);
      a.signal('SIGTERM');
      const exit = await a.exit(15_000);
      assert.deepEqual(exit, { code: 0, signal: null }, a.output);
      assert.equal(existsSync(sockets[0]), false, 'the stopped instance removed its socket');
      const count = during.length;
      await until(() => during.length >= count + 5, 'traffic after the stop', 10_000);
      stopping = false;
      await traffic;
      const failed = during.filter((answer) => answer.status !== 200);
      assert.deepEqual(failed, [], `${failed.length} of ${during.length} requests failed`);

      const closed = await within(clients.get('a')!.closed, 5_000, 'the WebSocket on a to close');
      assert.equal(closed.code, 1001);
      const survivor = clients.get('b')!;
      assert.equal(await echo(survivor, 'still here'), 'still here');

      for (let i = 0; i < 20; i++) {
        const f = await facts({ port: nginx.httpPort, path: `/after/${i}` });
        assert.equal(instanceOf(f), 'b');
      }
      const reconnected = await openWebSocket(`ws://127.0.0.1:${nginx.httpPort}/live`);
      assert.equal(reconnected.facts.instance, 'b');
      assert.equal(await echo(reconnected, 'again'), 'again');
      for (const client of [survivor, reconnected]) {
        client.socket.close(1000, 'done');
        await within(client.closed, 5_000, 'the WebSocket to close');
      }
    },
  );
});
