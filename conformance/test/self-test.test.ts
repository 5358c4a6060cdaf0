// Runs the suite against the mini server, a small correct TSGI server: it must
// pass every case. The groups that start servers of their own (lifespan,
// loading) and the other transports are in self-test-modes.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listServerCases } from '../src/api.js';
import { command, notPassed, run } from './fixtures/self-test.js';

/** The cases that start more servers; self-test-modes.test.ts runs them. */
const LAUNCHING = /^(lifespan|server\.loading)\./;

describe('the suite against the mini server', () => {
  it('passes the correct server on every case but the TLS facts', async () => {
    const report = await run({
      command: command(),
      concurrency: 3,
      grep: /^(http|server\.events|websocket)\./,
    });
    const skipped = notPassed(report).map((result) => `${result.status} ${result.id}`);
    assert.deepEqual(skipped, ['skipped-unsupported http.extensions.tls'], report.formatted);
    assert.equal(report.exitStatus, 0);
    const expected = listServerCases().filter((definition) => !LAUNCHING.test(definition.id));
    assert.equal(report.results.length, expected.length);
  });
});
