// Runs the suite against broken variants of the mini server: each breaks one
// requirement, and the suite must fail that requirement and no other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, notPassed, run } from './fixtures/self-test.js';

/** Each defect of the mini server, the one requirement it breaks, and what it does. */
const VARIANTS: readonly [name: string, requirement: string, what: string][] = [
  ['uppercase-headers', 'HTTP-SCOPE-10', 'keeps header names as received'],
  ['path-not-decoded', 'HTTP-SCOPE-6', 'leaves scope.path percent-encoded'],
  ['raw-path-decoded', 'HTTP-SCOPE-7', 'decodes scope.rawPath'],
  ['query-with-mark', 'HTTP-SCOPE-8', 'keeps the "?" in scope.queryString'],
  ['lowercase-method', 'HTTP-SCOPE-4', 'changes the case of the method'],
  ['cookie-not-joined', 'HTTP-SCOPE-12', 'leaves several cookie fields apart'],
  ['no-disconnect', 'HTTP-DISC-1', 'never gives http.disconnect after the client left'],
  ['200-on-failure', 'HTTP-FAIL-1', 'answers 200 when the app throws before the start'],
  [
    'complete-after-failure',
    'HTTP-FAIL-2',
    'ends the response cleanly when the app throws after the start',
  ],
  ['body-on-head', 'HTTP-RESP-10', 'sends a body in answer to HEAD'],
  ['auto-continue', 'HTTP-REQ-5', 'sends 100 Continue before the app reads'],
  ['trailers-without-te', 'EXT-TRAILERS-1', 'advertises trailers without "TE: trailers"'],
  ['reuse-body-buffer', 'SRV-4', 'reuses one buffer for every body piece'],
  ['duplicate-host-accepted', 'SEC-4', 'accepts two host fields'],
  ['shared-state', 'LS-STATE-1', 'gives every request the lifespan state itself, not a copy'],
  ['ws-read-ahead', 'WS-BP-1', 'reads WebSocket messages without bound ahead of receive()'],
  ['ws-send-early', 'WS-BP-1', 'resolves websocket.send before the socket took the frame'],
  [
    'continue-after-refusal',
    'SRV-3',
    'lets the app carry on after a refused event instead of failing the exchange',
  ],
];

describe('the suite against broken variants of the mini server', { concurrency: 4 }, () => {
  for (const [name, requirement, what] of VARIANTS) {
    it(`[${requirement}] fails a server that ${what}`, async () => {
      const report = await run({
        command: command(`--port {port} --break ${name}`),
        grep: `^${requirement}$`,
      });
      const failures = notPassed(report);
      assert.equal(report.exitStatus, 1, report.formatted);
      assert.ok(failures.length > 0, report.formatted);
      for (const failure of failures) {
        assert.equal(failure.status, 'fail', report.formatted);
        assert.equal(failure.requirement, requirement, report.formatted);
        assert.ok(failure.expected !== undefined && failure.actual !== undefined);
      }
    });
  }

  it('[HTTP-RESP-10] [SRV-3] passes a server that refuses body bytes for HEAD, 204 and 304 and fails the exchange', async () => {
    const report = await run({
      command: command('--port {port} --refuse-bodyless'),
      grep: '^HTTP-RESP-10$',
    });
    assert.deepEqual(notPassed(report), [], report.formatted);
    assert.equal(report.results.length, 4, report.formatted);
    // The same server, carrying on after those refusals: the refused branch is checked.
    const lenient = await run({
      command: command('--port {port} --refuse-bodyless --break continue-after-refusal'),
      grep: '^HTTP-RESP-10$',
    });
    assert.deepEqual(
      notPassed(lenient).map((result) => [result.id, result.status, result.requirement]),
      [
        ['http.response.head-body-dropped', 'fail', 'SRV-3'],
        ['http.response.no-content', 'fail', 'SRV-3'],
        ['http.response.not-modified', 'fail', 'SRV-3'],
      ],
      lenient.formatted,
    );
  });

  it('[SRV-3] fails a server that lets a WebSocket app carry on after a refused event', async () => {
    // Every case of the rules involved runs: only the failed-state case may fail, on SRV-3.
    const report = await run({
      command: command('--port {port} --break ws-continue-after-refusal'),
      grep: /^(SRV-3|WS-FAIL-1)$/,
    });
    assert.deepEqual(
      notPassed(report).map((result) => [result.id, result.status, result.requirement]),
      [['websocket.closing.refused-event-fails', 'fail', 'SRV-3']],
      report.formatted,
    );
    assert.equal(report.exitStatus, 1);
  });

  it('[HTTP-RESP-14] warns, without failing the run, about a server that adds no date', async () => {
    const report = await run({
      command: command('--port {port} --break no-date'),
      grep: '^HTTP-RESP-14$',
    });
    assert.deepEqual(
      notPassed(report).map((result) => [result.status, result.requirement]),
      [['warn', 'HTTP-RESP-14']],
    );
    assert.equal(report.exitStatus, 0);
  });
});
