import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommandLine } from '../src/command-line.js';
import { mini, root } from './fixtures/self-test.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const miniCommand = (flags: string): string =>
  `"${process.execPath}" --import tsx "${mini}" --app {app} --port {port} ${flags}`;

/** Runs the command line in this process and collects what it writes. */
async function tsgiConformance(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCommandLine(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

/** Runs the real executable. */
function spawnCli(
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { cwd: root, encoding: 'utf8', timeout: 100_000 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe('the tsgi-conformance command line', () => {
  it('lists the cases with their requirement IDs', async () => {
    const { status, stdout } = await tsgiConformance(
      'server',
      '--list',
      '--grep',
      'percent-decoding',
    );
    assert.equal(status, 0);
    assert.match(stdout, /^http\.paths\.percent-decoding {2}\[HTTP-SCOPE-6, HTTP-SCOPE-17\]/m);
    assert.match(stdout, /^1 cases$/m);
    const json = await tsgiConformance('server', '--list', '--reporter', 'json');
    const list = JSON.parse(json.stdout) as { id: string; requirements: string[] }[];
    assert.ok(list.length >= 100);
    assert.ok(list.every((entry) => entry.requirements.length > 0));
    assert.equal(new Set(list.map((entry) => entry.id)).size, list.length, 'case ids are unique');
  });

  it('exits with 2 on bad usage, and shows the usage', async () => {
    const usages = [
      [],
      ['nonsense'],
      ['server'],
      ['server', '--reporter', 'xml', '--url', 'http://127.0.0.1:1'],
      ['server', '--frobnicate'],
      ['server', '--url', 'http://x', '--command', 'y'],
      ['server', '--url', 'http://x', '--tls'],
      ['server', '--url', 'http://x', '--timeout', 'soon'],
      ['server', '--grep', '(', '--url', 'http://x'],
    ];
    for (const args of usages) {
      const { status, stderr } = await tsgiConformance(...args);
      assert.equal(status, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /^tsgi-conformance: /, args.join(' '));
    }
    const help = await tsgiConformance('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage:/);
  });

  it('says in one line that an application module is missing', async () => {
    const { status, stderr } = await tsgiConformance('app', 'module.js:app');
    assert.equal(status, 2);
    assert.match(stderr, /^tsgi-conformance: cannot load module\.js: module not found/);
  });

  it('prints the probe app reference for --url runs', async () => {
    const { status, stdout } = await tsgiConformance('probe');
    assert.equal(status, 0);
    assert.match(stdout.trim(), /probe\/app\.(js|ts):app$/);
  });

  it('writes the chosen report to a file and a table to stdout', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'tsgi-conformance-cli-')), 'report.xml');
    try {
      const { status, stdout, stderr } = await tsgiConformance(
        'server',
        '--command',
        miniCommand(''),
        '--grep',
        '^http\\.scope\\.(type|scheme)',
        '--reporter',
        'junit',
        '--output',
        output,
      );
      assert.equal(status, 0, stdout + stderr);
      assert.match(
        readFileSync(output, 'utf8'),
        /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites [^>]*tests="2" failures="0"/,
      );
      assert.match(stdout, /^pass +http\.scope\.type-and-version/m);
      assert.match(stderr, /^pass +http\.scope\.type-and-version$/m);
    } finally {
      rmSync(dirname(output), { recursive: true, force: true });
    }
  });

  it('the executable exits with 1 when a case fails', async () => {
    const failing = await spawnCli(
      'server',
      '--quiet',
      '--command',
      miniCommand('--break path-not-decoded'),
      '--grep',
      'percent-decoding',
      '--reporter',
      'tap',
    );
    assert.equal(failing.status, 1, failing.stdout + failing.stderr);
    assert.match(failing.stdout, /^not ok 1 - http\.paths\.percent-decoding/m);
  });

  it('the executable exits with 2 when nothing answers at the URL', async () => {
    const nothing = await spawnCli('server', '--quiet', '--url', 'http://127.0.0.1:1');
    assert.equal(nothing.status, 2, nothing.stdout + nothing.stderr);
    assert.match(nothing.stdout, /HARNESS PROBLEM: nothing answers at http:\/\/127\.0\.0\.1:1/);
  });
});
