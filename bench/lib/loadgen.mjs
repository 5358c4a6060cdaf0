/**
 * The load generators: wrk (preferred) and autocannon (fallback), run as
 * separate processes, with one normalized result shape.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned, run, which } from './exec.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WRK_SCRIPT = join(here, '..', 'lua', 'wrk.lua');
const require = createRequire(import.meta.url);

/**
 * @typedef {object} Loader
 * @property {'wrk' | 'autocannon'} kind
 * @property {string} command
 * @property {string} version
 * @property {string} note how it was chosen
 */

/**
 * @typedef {object} LoadResult
 * @property {number} durationSec measured duration
 * @property {number} requests responses received, errors included
 * @property {number} ok responses that are not errors
 * @property {number} rps `ok` per second
 * @property {number | null} p50Ms
 * @property {number | null} p99Ms
 * @property {{ connect: number, read: number, write: number, status: number, timeout: number }} errors
 * @property {number} errorCount
 * @property {number} errorRate errors / (responses + attempts that got none)
 * @property {string | null} failure why the run itself failed, if it did
 */

async function wrkVersion(command) {
  const out = await run(command, ['-v'], { timeoutMs: 5000 });
  const line = `${out.stdout}${out.stderr}`.split('\n')[0] ?? '';
  return line.replace(/\s*Copyright.*$/, '').trim() || 'wrk';
}

/** Installs wrk with apt-get when running as root on a system that has it. */
async function installWrk(log) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || which('apt-get') === null) return false;
  log('wrk is missing: installing it with apt-get install -y wrk');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = await run('apt-get', ['install', '-y', 'wrk'], { env, timeoutMs: 300_000 });
  if (result.code !== 0) {
    log('apt-get install failed; running apt-get update and trying again');
    await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
    result = await run('apt-get', ['install', '-y', 'wrk'], { env, timeoutMs: 300_000 });
  }
  if (result.code !== 0)
    log(`apt-get install -y wrk failed: ${result.stderr.trim().split('\n').pop()}`);
  return which('wrk') !== null;
}

/**
 * Picks the load generator: wrk when installed (installing it with apt-get
 * when missing, if root), else autocannon.
 *
 * @param {'wrk' | 'autocannon' | undefined} prefer
 * @param {(line: string) => void} log
 * @returns {Promise<Loader>}
 */
export async function chooseLoader(prefer, log) {
  if (prefer !== 'autocannon') {
    let command = which('wrk');
    let note = 'wrk found on PATH';
    if (command === null && (await installWrk(log))) {
      command = which('wrk');
      note = 'wrk installed with apt-get';
    }
    if (command !== null) return { kind: 'wrk', command, version: await wrkVersion(command), note };
    if (prefer === 'wrk')
      throw new Error('wrk was asked for but is not installed and could not be installed');
  }
  const main = require.resolve('autocannon');
  const version = require('autocannon/package.json').version;
  return {
    kind: 'autocannon',
    command: main,
    version: `autocannon ${version}`,
    note:
      prefer === 'autocannon'
        ? 'autocannon asked for'
        : 'wrk not available (not installed, and not root or no apt-get): fell back to autocannon',
  };
}

let bodyDir = null;
function bodyFile(body) {
  bodyDir ??= mkdtempSync(join(tmpdir(), 'tsgi-bench-'));
  const file = join(bodyDir, `body-${Buffer.byteLength(body)}.bin`);
  if (!existsSync(file)) writeFileSync(file, body);
  return file;
}

function failed(reason) {
  return {
    durationSec: 0,
    requests: 0,
    ok: 0,
    rps: 0,
    p50Ms: null,
    p99Ms: null,
    errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
    errorCount: 0,
    errorRate: 1,
    failure: reason,
  };
}

function finish(durationSec, requests, errors, p50Ms, p99Ms) {
  const errorCount = errors.connect + errors.read + errors.write + errors.status + errors.timeout;
  const ok = Math.max(0, requests - errors.status);
  // Status errors are responses, counted in `requests`; the others never got one.
  const attempts = requests + errors.connect + errors.read + errors.write + errors.timeout;
  return {
    durationSec,
    requests,
    ok,
    rps: durationSec > 0 ? ok / durationSec : 0,
    p50Ms,
    p99Ms,
    errors,
    errorCount,
    errorRate: attempts > 0 ? errorCount / attempts : errorCount > 0 ? 1 : 0,
    failure: attempts === 0 ? 'no response at all' : null,
  };
}

/**
 * Runs one load test.
 *
 * @param {Loader} loader
 * @param {{ url: string, method: string, body?: string, contentType?: string,
 *   connections: number, durationSec: number, cpu: number | null }} spec
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(loader, spec) {
  const duration = Math.max(1, Math.round(spec.durationSec));
  if (loader.kind === 'wrk') {
    const env = { ...process.env, BENCH_METHOD: spec.method, BENCH_BODY_FILE: '' };
    if (spec.body !== undefined) {
      env.BENCH_BODY_FILE = bodyFile(spec.body);
      env.BENCH_CONTENT_TYPE = spec.contentType ?? 'application/octet-stream';
    }
    const args = [
      '-t1',
      `-c${spec.connections}`,
      `-d${duration}s`,
      '--timeout',
      '5s',
      '-s',
      WRK_SCRIPT,
      spec.url,
    ];
    const [command, argv] = pinned(spec.cpu, loader.command, args);
    const out = await run(command, argv, { env, timeoutMs: (duration + 30) * 1000 });
    const line = out.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (line === undefined) {
      return failed(
        `wrk failed (exit ${out.code}): ${(out.stderr || out.stdout).trim().slice(0, 300)}`,
      );
    }
    const r = JSON.parse(line.slice('BENCH_RESULT '.length));
    const errors = {
      connect: r.connect,
      read: r.read,
      write: r.write,
      status: r.status,
      timeout: r.timeout,
    };
    const hasLatency = r.requests > 0;
    return finish(
      r.durationUs / 1e6,
      r.requests,
      errors,
      hasLatency ? r.p50Us / 1000 : null,
      hasLatency ? r.p99Us / 1000 : null,
    );
  }

  const args = [loader.command, '--json', '-c', String(spec.connections), '-d', String(duration)];
  args.push('-m', spec.method, '-t', '5');
  if (spec.body !== undefined) {
    args.push(
      '-i',
      bodyFile(spec.body),
      '-H',
      `content-type=${spec.contentType ?? 'application/octet-stream'}`,
    );
  }
  args.push(spec.url);
  const [command, argv] = pinned(spec.cpu, process.execPath, args);
  const out = await run(command, argv, { timeoutMs: (duration + 30) * 1000 });
  let r;
  try {
    r = JSON.parse(out.stdout.trim().split('\n').pop() ?? '');
  } catch {
    return failed(`autocannon failed (exit ${out.code}): ${out.stderr.trim().slice(0, 300)}`);
  }
  const requests =
    (r['1xx'] ?? 0) + (r['2xx'] ?? 0) + (r['3xx'] ?? 0) + (r['4xx'] ?? 0) + (r['5xx'] ?? 0);
  const errors = {
    connect: 0,
    // autocannon counts socket errors and timeouts together in `errors`.
    read: Math.max(0, (r.errors ?? 0) - (r.timeouts ?? 0)),
    write: 0,
    status: (r['4xx'] ?? 0) + (r['5xx'] ?? 0),
    timeout: r.timeouts ?? 0,
  };
  return finish(r.duration, requests, errors, r.latency?.p50 ?? null, r.latency?.p99 ?? null);
}
