import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveOptionsDetailed } from '../src/options.js';
import { wantsSupervisor } from '../src/process/run.js';
import { backoffDelay, DEFAULT_TIMING } from '../src/process/supervisor.js';
import { heartbeatInterval, requestQuota } from '../src/process/worker.js';
import {
  get,
  isAlive,
  killAll,
  pidOf,
  readyPids,
  removeTemporaryDirectories,
  ServerProcess,
  temporaryDirectory,
  until,
} from './fixtures/server-process.js';

const dir = temporaryDirectory('tsgi-proc-');
after(() => {
  killAll();
  removeTemporaryDirectories();
});

const TEST = { timeout: 90_000 };

/** Whether the file exists and contains `text`. */
function fileIncludes(path: string, text: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8').includes(text);
}

describe('process model choice', () => {
  it('serves in one process unless a process setting is given', () => {
    const pick = (argv: string[], env: Record<string, string> = {}) => {
      const { options, sources } = resolveOptionsDetailed({}, env, argv);
      return wantsSupervisor(options, sources);
    };
    assert.equal(pick([]), false);
    assert.equal(pick(['--port', '0']), false);
    assert.equal(pick(['--workers', '1']), true);
    assert.equal(pick([], { WEB_CONCURRENCY: '4' }), true);
    assert.equal(pick(['--timeout', '10']), true);
    assert.equal(pick(['--max-requests', '100']), true);
  });

  it('backs off exponentially up to a cap, and draws a request quota with jitter', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => backoffDelay(n)),
      [100, 200, 400, 800],
    );
    assert.equal(backoffDelay(30), DEFAULT_TIMING.backoffMaxMs);
    assert.equal(requestQuota(0, 50), 0);
    assert.equal(requestQuota(100, 0), 100);
    assert.equal(
      requestQuota(100, 10, () => 0),
      100,
    );
    assert.equal(
      requestQuota(100, 10, () => 0.9999),
      110,
    );
    assert.equal(heartbeatInterval(30), 1000);
    assert.equal(heartbeatInterval(1), 250);
    assert.equal(heartbeatInterval(0.01), 50);
  });
});

describe('single process', () => {
  it('finishes an in-flight request on SIGTERM, then exits 0', TEST, async () => {
    const server = new ServerProcess(['serve', 'hello.js', '--port', '0']);
    const url = await server.listening();
    assert.match(server.output, /serving in one process \(pid \d+\)/);
    const slow = get(`${url}/slow?ms=1500`);
    await server.waitFor(/slow request started/);
    server.signal('SIGTERM');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, `slow done by ${server.pid}`);
    assert.equal((await server.exit()).code, 0);
  });

  it('writes logs to files and reopens them on SIGUSR1', TEST, async () => {
    const uds = join(dir, 'logs.sock');
    const access = join(dir, 'access.log');
    const errors = join(dir, 'error.log');
    const server = new ServerProcess([
      'serve',
      'hello.js',
      '--uds',
      uds,
      '--access-log-file',
      access,
      '--log-file',
      errors,
      '--access-log-format',
      'json',
    ]);
    // The signal handlers are in place once this line is written.
    await until(() => fileIncludes(errors, 'listening on unix:'), 'the server listens');
    await get({ socketPath: uds, path: '/first' });
    await until(() => fileIncludes(access, '/first'), 'the first request is logged');
    renameSync(access, `${access}.1`);
    renameSync(errors, `${errors}.1`);
    server.signal('SIGUSR1');
    // Written to the new file after both were reopened: from here on, nothing goes to the old ones.
    await until(
      () => fileIncludes(errors, 'SIGUSR1: reopened the log files'),
      'the logs are reopened',
    );
    await get({ socketPath: uds, path: '/second' });
    await until(() => fileIncludes(access, '/second'), 'the second request is logged');
    const rotated = readFileSync(`${access}.1`, 'utf8').trim().split('\n');
    assert.deepEqual(
      rotated.map((line) => JSON.parse(line).path),
      ['/first'],
    );
    assert.ok(!readFileSync(access, 'utf8').includes('/first'));
    assert.match(readFileSync(`${errors}.1`, 'utf8'), /\[INFO\] listening on unix:/);
    assert.equal(server.stdout, '');
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });

  it('[LS-3] exits 1 with the app message when lifespan startup fails', TEST, async () => {
    const server = new ServerProcess(['serve', 'lifespan-fails.js', '--port', '0']);
    const { code } = await server.exit();
    assert.equal(code, 1);
    assert.equal(server.output.trim(), 'tsgi: lifespan startup failed: database unreachable');
  });
});

describe('supervised workers', () => {
  it('runs the requested number of workers, each serving', TEST, async () => {
    const server = new ServerProcess(['serve', 'hello.js', '--port', '0', '--workers', '2']);
    const url = await server.listening();
    const pids = readyPids(server);
    assert.equal(pids.length, 2);
    assert.ok(pids.every((pid) => pid !== server.pid && isAlive(pid)));
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(pidOf((await get(`${url}/`)).body));
    assert.deepEqual([...seen].sort(), [...pids].sort());
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
    await until(() => pids.every((pid) => !isAlive(pid)), 'the workers are gone', 10_000);
  });

  it('reopens the log files of the primary and of every worker on SIGUSR1', TEST, async () => {
    const access = join(dir, 'workers-access.log');
    const errors = join(dir, 'workers-error.log');
    const server = new ServerProcess([
      'serve',
      'hello.js',
      '--port',
      '0',
      '--workers',
      '2',
      '--access-log-file',
      access,
      '--log-file',
      errors,
      '--access-log-format',
      'json',
    ]);
    await until(() => fileIncludes(errors, 'listening on http://'), 'the server listens');
    const url = /listening on (http:\/\/\S+)/.exec(readFileSync(errors, 'utf8'))![1]!;
    await get(`${url}/first`);
    await until(() => fileIncludes(access, '/first'), 'the first request is logged');
    renameSync(access, `${access}.1`);
    renameSync(errors, `${errors}.1`);
    server.signal('SIGUSR1');
    await until(
      () =>
        fileIncludes(errors, 'SIGUSR1: reopened the log files') &&
        fileIncludes(errors, 'worker 1 reopened the log files') &&
        fileIncludes(errors, 'worker 2 reopened the log files'),
      'every process reopened its logs',
    );
    // Whichever worker serves them, the requests go to the new access log.
    for (let i = 0; i < 4; i++) await get(`${url}/second`);
    await until(
      () => readFileSync(access, 'utf8').split('/second').length === 5,
      'the second requests are logged',
    );
    assert.ok(!readFileSync(`${access}.1`, 'utf8').includes('/second'));
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });

  it('lets workers finish in-flight requests on SIGTERM', TEST, async () => {
    const server = new ServerProcess(['serve', 'hello.js', '--port', '0', '-w', '2']);
    const url = await server.listening();
    const slow = get(`${url}/slow?ms=1500`);
    const started = await server.waitFor(/slow request started in (\d+)/);
    server.signal('SIGTERM');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, `slow done by ${started[1]}`);
    assert.equal((await server.exit()).code, 0);
    await assert.rejects(get(`${url}/`), /ECONNREFUSED/);
  });

  it('kills a worker that has not stopped after the graceful timeout', TEST, async () => {
    const server = new ServerProcess([
      'serve',
      'hello.js',
      '--port',
      '0',
      '-w',
      '1',
      '--timeout',
      '0',
      '--graceful-timeout',
      '0.2',
    ]);
    const url = await server.listening();
    await get(`${url}/block`);
    await server.waitFor(/event loop blocked in \d+/);
    const begun = Date.now();
    server.signal('SIGTERM');
    await server.waitFor(/still running 0\.2s after it was asked to stop; killing it/);
    assert.equal((await server.exit()).code, 0);
    const took = Date.now() - begun;
    assert.ok(took >= 200 + DEFAULT_TIMING.stopGraceMs - 500 && took < 20_000, `took ${took} ms`);
  });

  it(
    '[LS-3] stops every worker and exits 1 with the message when lifespan startup fails',
    TEST,
    async () => {
      const server = new ServerProcess(['serve', 'lifespan-fails.js', '--port', '0', '-w', '2']);
      const { code } = await server.exit();
      assert.equal(code, 1);
      const lines = server.output.trim().split('\n');
      assert.equal(lines.at(-1), 'tsgi: lifespan startup failed: database unreachable');
      assert.ok(!server.output.includes('starting a new one'), 'no restarts');
    },
  );

  it('exits 2 with one line when the port is taken', TEST, async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const server = new ServerProcess(['serve', 'hello.js', '--port', String(port), '-w', '2']);
      assert.equal((await server.exit()).code, 2);
      assert.equal(
        server.output.trim().split('\n').at(-1),
        `tsgi: port ${port} on 127.0.0.1 is in use; pick another with --port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('writes the pidfile and removes it on exit', TEST, async () => {
    const pidfile = join(dir, 'tsgi.pid');
    const server = new ServerProcess([
      'serve',
      'hello.js',
      '--port',
      '0',
      '-w',
      '1',
      '--pidfile',
      pidfile,
    ]);
    await server.listening();
    assert.equal(readFileSync(pidfile, 'utf8').trim(), String(server.pid));
    const second = new ServerProcess(['serve', 'hello.js', '--port', '0', '--pidfile', pidfile]);
    assert.equal((await second.exit()).code, 2);
    assert.match(second.output, new RegExp(`names process ${server.pid}, which is running`));
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
    assert.equal(existsSync(pidfile), false);
  });

  it('stops the workers when the primary dies', TEST, async () => {
    const server = new ServerProcess(['serve', 'hello.js', '--port', '0', '-w', '2']);
    await server.listening();
    const pids = readyPids(server);
    process.kill(server.pid, 'SIGKILL');
    await server.exit();
    await until(() => pids.every((pid) => !isAlive(pid)), 'the orphaned workers exit', 20_000);
  });
});
