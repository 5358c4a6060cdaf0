// The `app` command of the built executable: exit status 0 for a conforming
// application, 1 for a broken one, 2 (with one line on stderr) for one that
// cannot be loaded or a wrong command line; --list, --grep, --reporter and
// --output as in server mode. Runs conformance/dist/cli.js, so it needs a
// build (`tsc -b`) first.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'conformance', 'dist', 'cli.js');
const apps = 'conformance/test/fixtures/apps';

/** Runs `node conformance/dist/cli.js app ...` from the repository root. */
function app(
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, 'app', ...args],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** The lines of a text, without the empty last one. */
function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('tsgi-conformance app', { concurrency: 4 }, () => {
  it('is built', () => {
    assert.ok(existsSync(cli), `${cli} is missing: run tsc -b first`);
  });

  it('exits 0 for a conforming application', async () => {
    const { status, stdout, stderr } = await app('examples/hand-written-app/app.js:app');
    assert.equal(status, 0, stdout + stderr);
    // The application's own output comes first: it runs in the suite's process.
    assert.match(
      stdout,
      /^TSGI 1\.0 conformance: app at examples\/hand-written-app\/app\.js:app$/m,
    );
    assert.match(stdout, /0 fail, 0 warn, \d+ skipped-unsupported, 0 error .*; exit status 0\n$/);
    // Progress lines, one per case, on stderr.
    assert.match(stderr, /^pass {2}app\.http\.get$/m);
  });

  it('[HTTP-RESP-2] exits 1 for a broken application, naming the requirement', async () => {
    const { status, stdout } = await app(
      `${apps}/status-600.js:app`,
      '--quiet',
      '--grep',
      'app\\.http\\.',
    );
    assert.equal(status, 1, stdout);
    assert.match(stdout, /^FAIL\s+app\.http\.get\s/m);
    assert.match(
      stdout,
      /\[HTTP-RESP-2\] GET \/: http\.response\.start status: expected an integer from 200 to 599, actual 600/,
    );
  });

  it('exits 2 with one line for a module that does not exist', async () => {
    const { status, stdout, stderr } = await app('no/such/module.js:app');
    assert.equal(status, 2);
    assert.equal(stdout, '');
    assert.deepEqual(lines(stderr).length, 1, stderr);
    assert.match(stderr, /^tsgi-conformance: cannot load no\/such\/module\.js: module not found/);
  });

  it('exits 2 with one line for an export that does not exist', async () => {
    const { status, stdout, stderr } = await app(`${apps}/base.js:application`);
    assert.equal(status, 2);
    assert.equal(stdout, '');
    assert.deepEqual(lines(stderr), [
      `tsgi-conformance: ${apps}/base.js has no export "application" (it exports: TEXT, app, createApp, http, lifespan, readBody, respond, start, websocket)`,
    ]);
  });

  it('exits 2 with one line for an export that is not a function', async () => {
    const { status, stderr } = await app(`${apps}/base.js:TEXT`);
    assert.equal(status, 2);
    assert.deepEqual(lines(stderr), [
      `tsgi-conformance: ${apps}/base.js:TEXT is not a function (it is a string)`,
    ]);
  });

  it('exits 2 with one line for a module that throws as it is imported', async () => {
    const { status, stderr } = await app(`${apps}/throws-on-import.js`);
    assert.equal(status, 2);
    assert.deepEqual(lines(stderr), [
      `tsgi-conformance: cannot load ${apps}/throws-on-import.js: importing it threw Error: the configuration file is missing`,
    ]);
  });

  it('exits 2 without an application, and for a target that is not a path', async () => {
    const none = await app('--quiet');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^tsgi-conformance: no application given/);
    const bad = await app(`${apps}/base.js:app`, '--path', 'items');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tsgi-conformance: --path "items": a target starts with "\/"/);
  });

  it('lists the application cases, and selects them with --grep', async () => {
    const all = await app('--list');
    assert.equal(all.status, 0);
    const listed = lines(all.stdout);
    const count = Number(/^(\d+) cases$/.exec(listed.at(-1) ?? '')?.[1]);
    assert.equal(listed.length - 1, count);
    assert.ok(count >= 30);
    assert.ok(
      listed.slice(0, -1).every((line) => /^app\.[a-z.-]+ {2}\[[A-Z0-9, -]+\] {2}/.test(line)),
    );
    const some = await app('--list', '--grep', 'WS-ORDER-1', '--reporter', 'json');
    assert.equal(some.status, 0);
    const cases = JSON.parse(some.stdout) as {
      id: string;
      requirements: string[];
      needs?: string;
    }[];
    assert.deepEqual(
      cases.map((definition) => definition.id),
      ['app.websocket.messages', 'app.websocket.client-gone'],
    );
    assert.ok(cases.every((definition) => definition.needs === 'websocket'));
  });

  it('writes a JSON report that parses, and a JUnit file with --output', async () => {
    const json = await app(
      `${apps}/base.js:app`,
      '--quiet',
      '--reporter',
      'json',
      '--grep',
      '^app\\.(http|lifespan)\\.',
      '--path',
      '/',
      '--path',
      '/items?page=2',
    );
    assert.equal(json.status, 0, json.stdout);
    const report = JSON.parse(json.stdout) as {
      mode: string;
      exitStatus: number;
      results: { id: string; status: string }[];
    };
    assert.equal(report.mode, 'app');
    assert.equal(report.exitStatus, 0);
    assert.ok(report.results.length >= 8);
    assert.ok(report.results.every((result) => result.status === 'pass'));

    const dir = mkdtempSync(join(tmpdir(), 'tsgi-conformance-app-'));
    try {
      const output = join(dir, 'report.xml');
      const junit = await app(
        `${apps}/head-with-body.js:app`,
        '--quiet',
        '--reporter',
        'junit',
        '--output',
        output,
        '--grep',
        'app\\.http\\.head',
      );
      assert.equal(junit.status, 1);
      assert.match(junit.stdout, /^TSGI 1\.0 conformance: app at /);
      const xml = readFileSync(output, 'utf8');
      assert.match(xml, /<failure message="\[HTTP-RESP-8\] HEAD \/: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads a TypeScript application and checks its WebSocket route', async () => {
    const { status, stdout } = await app(
      'examples/echonext-hello/app.ts:app',
      '--quiet',
      '--grep',
      'app\\.websocket\\.',
      '--ws-path',
      '/ws/echo',
    );
    assert.equal(status, 0, stdout);
    assert.match(stdout, /^pass\s+app\.websocket\.messages\s/m);
  });
});
