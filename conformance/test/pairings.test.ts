// The pairing matrix: the reference server with each application the
// repository ships (echonext, a raw TSGI app, a Hono app through
// fromFetchHandler). This is where the whole server suite runs against one
// reference server process on TCP and where the whole application suite runs
// against each of those applications; each run keeps its own assertions, and
// together with an end-to-end check of each real pairing they make the table
// of docs/conformance.md, which must match the one generated here.
// Regenerate it with UPDATE_CONFORMANCE_DOCS=1 pnpm test -- pairings.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type AppSuiteResult, listAppCases, listServerCases } from '../src/api.js';
import { endToEndPassed } from './fixtures/end-to-end.js';
import {
  formatMatrix,
  PAIRINGS,
  type PairingMatrixRun,
  startPairingMatrix,
} from './fixtures/pairings.js';
import { buildProblem, unexpectedResults } from './fixtures/reference-server.js';

let started: PairingMatrixRun | undefined;
/** The matrix, started by the first test that needs it. */
function matrix(): PairingMatrixRun {
  if (started === undefined) {
    const problem = buildProblem();
    assert.equal(problem, null, `${problem}: build the workspace first (npx tsc -b)`);
    started = startPairingMatrix();
  }
  return started;
}

function row(name: string) {
  const found = matrix().rows.find((candidate) => candidate.pairing.name === name);
  assert.ok(found, `no pairing ${name}`);
  return found;
}

/** Asserts a whole run with none failed or erred, exit status 0. */
function assertAppPasses(report: AppSuiteResult): void {
  assert.equal(report.harnessError, null, report.harnessError?.message);
  const failed = report.results
    .filter((result) => result.status === 'fail' || result.status === 'error')
    .map((result) => `${result.id}: ${result.message}`);
  assert.deepEqual(failed, [], report.formatted);
  assert.equal(report.exitStatus, 0, report.formatted);
  assert.equal(report.mode, 'app');
  assert.equal(report.results.length, listAppCases().length);
}

function statusOf(report: AppSuiteResult, id: string): string | undefined {
  return report.results.find((result) => result.id === id)?.status;
}

const DOCS = new URL('../../docs/conformance.md', import.meta.url);
const START = '<!-- pairing-matrix:start -->\n';
const END = '<!-- pairing-matrix:end -->';

describe('the pairings we ship', { concurrency: true }, () => {
  it('server side: one reference server process on TCP passes every case', async (t) => {
    const report = await matrix().server;
    t.diagnostic(`${report.results.length} cases in ${(report.durationMs / 1000).toFixed(1)} s`);
    assert.equal(report.harnessError, null, report.formatted);
    assert.deepEqual(unexpectedResults(report.results), [], report.formatted);
    assert.equal(report.exitStatus, 0, report.formatted);
    assert.equal(report.results.length, listServerCases().length);
    assert.match(report.target, /^127\.0\.0\.1:\d+$/);
  });

  it('app side: the echonext example app passes, its WebSocket route included', async () => {
    const report = await row('the echonext example app').app;
    assertAppPasses(report);
    assert.equal(statusOf(report, 'app.websocket.client-gone'), 'pass');
    assert.equal(statusOf(report, 'app.lifespan.startup'), 'pass');
  });

  it('app side: the hand-written raw app passes, HTTP, WebSocket and lifespan', async () => {
    const report = await row('the hand-written raw app').app;
    assertAppPasses(report);
    assert.equal(statusOf(report, 'app.websocket.messages'), 'pass');
    assert.equal(statusOf(report, 'app.lifespan.shutdown'), 'pass');
    assert.equal(statusOf(report, 'app.contract.unknown-major-version'), 'pass');
  });

  it('app side: the Hono app passes, its WebSocket sessions skipped as unsupported', async () => {
    const report = await row('a Hono app through fromFetchHandler').app;
    assertAppPasses(report);
    // The fetch bridge throws for a WebSocket scope: every WebSocket case is skipped.
    const websocket = listAppCases('^app\\.websocket\\.').map(({ id }) => statusOf(report, id));
    assert.deepEqual(new Set(websocket), new Set(['skipped-unsupported']));
    assert.equal(statusOf(report, 'app.disconnect.mid-response'), 'pass');
    assert.equal(statusOf(report, 'app.lifespan.shutdown'), 'pass');
  });

  for (const pairing of PAIRINGS) {
    it(`end to end: the reference server serves ${pairing.name} over TCP`, async () => {
      const result = await row(pairing.name).endToEnd;
      const lines = result.exchanges.map(
        (exchange) => `${exchange.ok ? 'ok  ' : 'FAIL'} ${exchange.label}: ${exchange.detail}`,
      );
      const expected = pairing.exchanges.length + (pairing.websocket === undefined ? 0 : 1);
      assert.equal(result.exchanges.length, expected, [...result.problems, ...lines].join('\n'));
      assert.ok(
        endToEndPassed(result),
        [...result.problems, ...lines, '', 'server output:', result.log].join('\n'),
      );
    });
  }

  it('docs/conformance.md shows the matrix generated here', async () => {
    const generated = `\n${formatMatrix(await matrix().done)}`;
    let docs = readFileSync(DOCS, 'utf8');
    if (process.env.UPDATE_CONFORMANCE_DOCS === '1') {
      assert.ok(docs.includes(START) && docs.includes(END), 'the markers are in the docs');
      docs = docs.replace(
        new RegExp(`${START}[\\s\\S]*${END}`),
        () => `${START}${generated}${END}`,
      );
      writeFileSync(DOCS, docs);
    }
    const table = docs.slice(docs.indexOf(START) + START.length, docs.indexOf(END));
    assert.equal(table, generated, 'regenerate with UPDATE_CONFORMANCE_DOCS=1');
  });
});
