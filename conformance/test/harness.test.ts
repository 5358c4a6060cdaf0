// Problems that keep the suite from driving a server end the run with exit
// status 2 and say what happened.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, run } from './fixtures/self-test.js';

describe('harness problems end the run with exit status 2', { concurrency: true }, () => {
  it('a server that never answers', async () => {
    const report = await run({
      command: `"${process.execPath}" -e "setTimeout(() => {}, 60000)" {app} {port}`,
      startupTimeoutMs: 1000,
    });
    assert.equal(report.exitStatus, 2);
    assert.match(
      report.harnessError?.message ?? '',
      /did not answer on 127\.0\.0\.1:\d+ within 1000 ms/,
    );
  });

  it('a server that exits before it answers, with its last output', async () => {
    const report = await run({
      command: `"${process.execPath}" -e "console.error('cannot start: boom'); process.exit(3)" {app} {port}`,
    });
    assert.equal(report.exitStatus, 2);
    assert.match(report.harnessError?.message ?? '', /exited before it answered .*exit status 3/);
    assert.deepEqual(report.harnessError?.output, ['cannot start: boom']);
  });

  it('a server that crashes during the run', async () => {
    const report = await run({
      command: command('--port {port} --crash-after 2'),
      grep: /^http\.scope/,
    });
    assert.equal(report.exitStatus, 2);
    assert.match(report.harnessError?.message ?? '', /exited during the run \(exit status 70\)/);
    assert.ok(report.results.length < 8);
  });

  it('a server that listens on another port', { skip: process.platform !== 'linux' }, async () => {
    const report = await run({ command: command('--port 0 --ignored {port}') });
    assert.equal(report.exitStatus, 2);
    assert.match(report.harnessError?.message ?? '', /listens on port \d+ instead of \d+/);
  });

  it('a command without placeholders', async () => {
    const report = await run({ command: 'node server.js' });
    assert.equal(report.exitStatus, 2);
    assert.match(report.harnessError?.message ?? '', /no \{app\} placeholder/);
  });
});
