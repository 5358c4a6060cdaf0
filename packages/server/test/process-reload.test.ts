import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
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

const TEST = { timeout: 90_000 };

describe('reloading and scaling workers', () => {
  it('adds a worker on SIGTTIN and removes one on SIGTTOU', TEST, async () => {
    const server = new ServerProcess([
      'serve',
      'hello.js',
      '--port',
      '0',
      '-w',
      '1',
      '--log-level',
      'debug',
    ]);
    const url = await server.listening();
    const [first] = readyPids(server);
    server.signal('SIGTTIN');
    await server.waitFor(/SIGTTIN: now 2 workers/);
    await server.waitFor(/worker 2 \(pid \d+\) ready/);
    const second = readyPids(server)[1]!;
    assert.ok(isAlive(first!) && isAlive(second));
    server.signal('SIGTTOU');
    await server.waitFor(/SIGTTOU: now 1 worker\b/);
    // The oldest worker makes way.
    await until(() => !isAlive(first!), 'the oldest worker is gone', 30_000);
    assert.ok(isAlive(second));
    assert.equal(pidOf((await get(`${url}/`)).body), second);
    server.signal('SIGTTOU');
    await server.waitFor(/SIGTTOU: already at one worker/);
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });

  it('reloads every worker on SIGHUP without failing a request', TEST, async () => {
    const server = new ServerProcess(['serve', 'hello.js', '--port', '0', '-w', '2']);
    const url = await server.listening();
    const before = readyPids(server);
    let running = true;
    const failures: string[] = [];
    const seen = new Set<number>();
    let answered = 0;
    const client = async () => {
      while (running) {
        try {
          const reply = await get(`${url}/`);
          if (reply.status !== 200) failures.push(`status ${reply.status}`);
          seen.add(pidOf(reply.body));
          answered++;
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = [client(), client()];
    await until(() => answered > 10, 'the clients are running');
    server.signal('SIGHUP');
    await server.waitFor(/SIGHUP: reloading 2 workers/);
    await server.waitFor(/worker \d+ \(pid \d+\) ready/, { count: 4 });
    await until(() => before.every((pid) => !isAlive(pid)), 'the old workers are gone', 30_000);
    const after = readyPids(server).slice(2);
    await until(() => after.every((pid) => seen.has(pid)), 'the new workers answer', 30_000);
    running = false;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.ok(after.every((pid) => !before.includes(pid)));
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });

  it('keeps the running workers when a reload cannot start the app', TEST, async () => {
    const marker = join(dir, 'broken');
    const server = new ServerProcess(
      ['serve', 'fails-when-marked.js', '--port', '0', '-w', '2', '--log-level', 'debug'],
      { env: { FAIL_MARKER: marker } },
    );
    const url = await server.listening();
    const before = readyPids(server);
    writeFileSync(marker, '');
    server.signal('SIGHUP');
    await server.waitFor(
      /failed to start: lifespan startup failed: marker file present; keeping the running workers/,
    );
    // The other new worker is stopped; when its own failure comes first, that
    // failure must not stop the server. The marker stays, so that it cannot
    // start after all and take requests until it is stopped.
    await server.waitFor(/worker [34] \(pid \d+\) (exited|was killed)/, { count: 2 });
    for (let i = 0; i < 4; i++) assert.ok(before.includes(pidOf((await get(`${url}/`)).body)));
    assert.ok(before.every(isAlive));
    assert.doesNotMatch(server.output, /\[CRITICAL\]/);
    rmSync(marker);
    server.signal('SIGTERM');
    assert.equal((await server.exit()).code, 0);
  });
});
