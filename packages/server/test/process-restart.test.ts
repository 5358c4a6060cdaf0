import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
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

let sockets = 0;
function socketPath(): string {
  sockets++;
  return join(dir, `s${sockets}.sock`);
}

function viaSocket(path: string, route = '/') {
  return get({ socketPath: path, path: route });
}

const TEST = { timeout: 90_000 };

describe('replacing workers', () => {
  it('restarts a crashed worker and keeps serving', TEST, async () => {
    const uds = socketPath();
    const server = new ServerProcess(['serve', 'hello.js', '--uds', uds, '--workers', '1']);
    await server.listening();
    const [first] = readyPids(server);
    assert.equal(pidOf((await viaSocket(uds)).body), first);
    await viaSocket(uds, '/crash');
    await server.waitFor(
      new RegExp(
        `worker 1 \\(pid ${first}\\) exited with code 1 unexpectedly; starting a new one in 0\\.1s`,
      ),
    );
    await server.waitFor(/worker 2 \(pid \d+\) ready/);
    const second = readyPids(server)[1]!;
    assert.notEqual(second, first);
    assert.equal(pidOf((await viaSocket(uds)).body), second);
    server.signal('SIGINT');
    assert.equal((await server.exit()).code, 0);
  });

  it('waits longer before each restart of a worker that keeps crashing', TEST, async () => {
    const uds = socketPath();
    const server = new ServerProcess(['serve', 'crash-after-start.js', '--uds', uds, '-w', '1'], {
      env: { CRASH_AFTER_MS: '100' },
    });
    const match = await server.waitFor(/starting a new one in (\d+\.\d)s/, { count: 4 });
    assert.ok(match);
    const delays = [...server.output.matchAll(/starting a new one in (\d+\.\d)s/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(delays.slice(0, 4), ['0.1', '0.2', '0.4', '0.8']);
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });

  it('kills and replaces a worker whose event loop is blocked past the timeout', TEST, async () => {
    const uds = socketPath();
    const server = new ServerProcess(['serve', 'hello.js', '--uds', uds, '--timeout', '1']);
    await server.listening();
    const [first] = readyPids(server);
    await viaSocket(uds, '/block');
    await server.waitFor(
      new RegExp(
        `worker 1 \\(pid ${first}\\) sent no heartbeat for \\d+\\.\\ds \\(timeout 1s; is its event loop blocked\\?\\); killing it`,
      ),
    );
    await server.waitFor(/worker 2 \(pid \d+\) ready/);
    await until(() => !isAlive(first!), 'the stuck worker is gone', 10_000);
    assert.equal(pidOf((await viaSocket(uds)).body), readyPids(server)[1]);
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });

  it('replaces a worker after --max-requests, starting the new one first', TEST, async () => {
    const uds = socketPath();
    const server = new ServerProcess(['serve', 'hello.js', '--uds', uds, '--max-requests', '3']);
    await server.listening();
    const [first] = readyPids(server);
    for (let i = 0; i < 3; i++) assert.equal(pidOf((await viaSocket(uds)).body), first);
    await server.waitFor(new RegExp(`worker 1 \\(pid ${first}\\) served 3 requests; replacing it`));
    // Requests keep being answered while the replacement starts.
    while (!/worker 2 \(pid \d+\) ready/.test(server.output)) {
      assert.equal((await viaSocket(uds)).status, 200);
    }
    await until(() => !isAlive(first!), 'the old worker is gone', 30_000);
    assert.equal(pidOf((await viaSocket(uds)).body), readyPids(server)[1]);
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });
});
