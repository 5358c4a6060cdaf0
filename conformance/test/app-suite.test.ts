// The application mode: the base of the broken fixtures passes; every
// app-party requirement of the spec is checked by some case; and a run ends by
// itself whatever the application does. The whole suite against the
// applications the repository ships (a hand-written raw TSGI app, the echonext
// example, a Hono app behind the fetch bridge) runs in pairings.test.ts, as
// the app side of the pairing matrix.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Application } from 'tsgi';
import { type AppSuiteResult, listAppCases, runAppSuite } from '../src/api.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/apps/${name}`, import.meta.url));

/** Short limits: the apps here answer at once. */
const FAST = { responseTimeoutMs: 1000, settleTimeoutMs: 500, lifespanTimeoutMs: 1000 } as const;

function notPassed(report: AppSuiteResult): string {
  return report.results
    .filter((result) => result.status === 'fail' || result.status === 'error')
    .map((result) => `${result.id}: ${result.message}`)
    .join('\n');
}

/** Asserts a run of `cases` cases with none failed or erred, exit status 0. */
function assertPasses(report: AppSuiteResult, cases = listAppCases().length): void {
  assert.equal(report.harnessError, null, report.harnessError?.message);
  assert.equal(notPassed(report), '');
  assert.equal(report.exitStatus, 0, report.formatted);
  assert.equal(report.mode, 'app');
  assert.equal(report.results.length, cases);
}

describe('the application mode passes a conforming application', () => {
  it('the base of the broken fixtures', async () => {
    const report = await runAppSuite({ app: `${fixture('base.js')}:app`, ...FAST });
    assertPasses(report);
    assert.equal(report.summary.warn, 0, report.formatted);
  });
});

describe('what the application mode checks', () => {
  it('checks every app-party requirement of the spec index in some case', () => {
    const spec = readFileSync(new URL('../../spec/tsgi.md', import.meta.url), 'utf8');
    const index = spec.slice(spec.indexOf('\n## Requirement index'));
    const appIds = [...index.matchAll(/^\| ([A-Z]+(?:-[A-Z]+)*-\d+) \| [A-Z]+ \| app \|/gm)].map(
      (match) => match[1] as string,
    );
    assert.ok(appIds.length >= 25, `only ${appIds.length} app requirements found in the index`);
    const checked = new Set(listAppCases().flatMap((definition) => definition.requirements));
    assert.deepEqual(
      appIds.filter((id) => !checked.has(id)),
      [],
    );
  });

  it('lists its cases and selects them with grep', () => {
    const all = listAppCases();
    assert.ok(all.length >= 30);
    assert.ok(all.every((definition) => definition.id.startsWith('app.')));
    assert.deepEqual(
      listAppCases('^app\\.websocket\\.').map((definition) => definition.group),
      Array(6).fill('app.websocket'),
    );
    assert.deepEqual(
      listAppCases(/LS-7/).map((definition) => definition.id),
      ['app.lifespan.startup', 'app.lifespan.shutdown'],
    );
  });
});

describe('a run ends by itself', { concurrency: 2 }, () => {
  it('[HTTP-DISC-5] fails an app that hangs once the client left, naming the requirement', async () => {
    const hangs: Application = async (scope, receive, send) => {
      if (scope.type !== 'http') throw new Error('http only');
      await send({ type: 'http.response.start', status: 200 });
      await send({ type: 'http.response.body', body: 'streaming', moreBody: true });
      // Waits for the disconnect, then never settles.
      while ((await receive()).type !== 'http.disconnect') {}
      await new Promise(() => {});
    };
    const started = Date.now();
    const report = await runAppSuite({
      app: hangs,
      grep: /^app\.http\.get$/,
      responseTimeoutMs: 200,
      settleTimeoutMs: 200,
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(report.exitStatus, 1);
    assert.equal(report.results[0]?.requirement, 'HTTP-DISC-5');
    assert.match(report.results[0]?.message ?? '', /no settle within 200 ms after the client left/);
  });

  it('[APP-1] fails an app that never settles nor calls, within the time limits', async () => {
    const silent: Application = () => new Promise(() => {});
    const report = await runAppSuite({
      app: silent,
      grep: /^app\.http\.head$/,
      responseTimeoutMs: 200,
      settleTimeoutMs: 200,
      lifespanTimeoutMs: 200,
    });
    assert.equal(report.exitStatus, 1);
    assert.equal(report.results[0]?.requirement, 'APP-1');
  });

  it('reports an app that cannot be loaded with exit status 2', async () => {
    const report = await runAppSuite({ app: fixture('base.js:nothing') });
    assert.equal(report.exitStatus, 2);
    assert.match(report.harnessError?.message ?? '', /has no export "nothing" \(it exports: /);
    assert.deepEqual(report.results, []);
  });
});
