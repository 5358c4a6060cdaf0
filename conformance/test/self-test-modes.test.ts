// Runs the suite against the mini server in the ways the main self-test does
// not: the cases that start servers of their own (lifespan, loading), a unix
// socket under a mount point, a server given by URL, and TLS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { freePort } from '../src/server-process.js';
import { command, mini, notPassed, probe, root, run } from './fixtures/self-test.js';

describe('the suite against the mini server, other ways', () => {
  it('passes the correct server on the lifespan and loading cases', async () => {
    const report = await run({
      command: command(),
      concurrency: 3,
      grep: /^(lifespan|server\.loading)\./,
    });
    assert.deepEqual(notPassed(report), [], report.formatted);
    assert.ok(report.results.length >= 8);
  });

  it('passes it over a unix socket, under a mount point', async () => {
    const report = await run({
      command: command('--uds {uds} --root-path {rootPath}'),
      grep: /^(http\.scope|http\.paths|http\.headers|websocket\.scope|lifespan\.state|http\.request\.chunked)/,
    });
    assert.equal(report.exitStatus, 0, report.formatted);
    assert.match(report.command ?? '', /--root-path \/tsgi-mount/);
    assert.match(report.target, /^unix:/);
    assert.ok(
      report.results.some(
        (result) => result.id === 'http.paths.root-path' && result.status === 'pass',
      ),
    );
  });

  it('passes it when given its URL, skipping the cases that need to start the server', async () => {
    const server = spawn(
      process.execPath,
      ['--import', 'tsx', mini, '--app', `${probe}:app`, '--port', String(await freePort())],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString()));
        server.once('exit', () => reject(new Error('the mini server exited')));
      });
      const port = Number(/"port":(\d+)/.exec(line)?.[1]);
      const report = await run({
        url: `http://127.0.0.1:${port}`,
        grep: /^(http\.scope|http\.paths|http\.disconnect|lifespan)/,
      });
      assert.equal(report.exitStatus, 0, report.formatted);
      const skipped = report.results
        .filter((result) => result.status === 'skipped-unsupported')
        .map((result) => result.id);
      assert.deepEqual(skipped.sort(), [
        'http.disconnect.not-logged',
        'lifespan.shutdown-after-requests',
        'lifespan.startup-failure-stops',
        'lifespan.unsupported',
      ]);
    } finally {
      server.kill();
    }
  });

  it('passes it over TLS, where it checks the TLS facts', async () => {
    const report = await run({
      command: command('--tls --port {port}'),
      tls: true,
      grep: /^(http\.scope|http\.extensions|websocket\.scope)/,
    });
    assert.equal(report.exitStatus, 0, report.formatted);
    assert.equal(
      report.results.find((result) => result.id === 'http.extensions.tls')?.status,
      'pass',
    );
  });
});
