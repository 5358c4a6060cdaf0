/**
 * The benchmark runner: every scenario against every contender, in one run,
 * on this machine. See README.md.
 *
 *   node bench/run.mjs [--quick] [options]      (from the repository root: pnpm bench)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BASELINE,
  CONTENDERS,
  contenderFile,
  contenderVersion,
  REFERENCE,
} from './lib/contenders.mjs';
import { pinned, run, sleep, which } from './lib/exec.mjs';
import { closeAll, openIdle, stillOpen } from './lib/idle.mjs';
import { chooseLoader, runLoad } from './lib/loadgen.mjs';
import { cpuSecondsOf, memoryOf, startContender } from './lib/proc.mjs';
import { renderMarkdown } from './lib/report.mjs';
import { checkScenario, primeScenario, SCENARIOS } from './lib/scenarios.mjs';
import { addRatios, summarizeRow } from './lib/summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
// Read before the runner pins itself to one CPU, which would make it report 1.
const CPUS = os.availableParallelism();

function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
const CLK_TCK = clockTicks();

const USAGE = `usage: node bench/run.mjs [options]        (or: pnpm bench [options])

  --quick                  fewer rounds and shorter runs (under 3 minutes)
  --rounds N               measured rounds per scenario and contender
  --duration S             seconds per measured run (whole seconds)
  --warmup S               seconds of load-generator warm-up per scenario and contender,
                           after a short priming burst (0: the burst only)
  --connections N          concurrent connections of the load generator
  --idle-connections N     sockets of the idle keep-alive scenario
  --contenders a,b,...     only these (${CONTENDERS.map((c) => c.name).join(', ')})
  --scenarios a,b,...      only these (${SCENARIOS.map((s) => s.name).join(', ')}, idle, router)
  --loader wrk|autocannon  force a load generator (default: wrk, else autocannon)
  --no-pin                 do not pin processes to CPUs
  --out DIR                where results go (default: bench/results)
  -h, --help               this text
`;

function parse() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'idle-connections': { type: 'string' },
      contenders: { type: 'string' },
      scenarios: { type: 'string' },
      loader: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const number = (name, fallback, min) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(
        `--${name} takes a whole number of at least ${min}, received ${JSON.stringify(raw)}`,
      );
    }
    return value;
  };
  const list = (name, known) => {
    const raw = values[name];
    if (raw === undefined) return known;
    const picked = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of picked) {
      if (!known.includes(item))
        throw new Error(`--${name}: unknown ${JSON.stringify(item)}; known: ${known.join(', ')}`);
    }
    return picked;
  };
  if (values.loader !== undefined && !['wrk', 'autocannon'].includes(values.loader)) {
    throw new Error(`--loader is wrk or autocannon, received ${JSON.stringify(values.loader)}`);
  }
  return {
    mode: quick ? 'quick' : 'full',
    rounds: number('rounds', quick ? 2 : 3, 1),
    durationSec: number('duration', quick ? 1 : 5, 1),
    warmupSec: number('warmup', quick ? 0 : 2, 0),
    connections: number('connections', 50, 1),
    idleConnections: number('idle-connections', 1000, 1),
    contenders: list(
      'contenders',
      CONTENDERS.map((c) => c.name),
    ),
    scenarios: list('scenarios', [...SCENARIOS.map((s) => s.name), 'idle', 'router']),
    loader: values.loader,
    pin: !values['no-pin'],
    out: values.out ?? join(here, 'results'),
    routerRounds: quick ? 3 : 7,
    routerRoundMs: quick ? 100 : 400,
  };
}

const t0 = performance.now();
function log(line) {
  const elapsed = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${elapsed} s] ${line}\n`);
}

function today() {
  const d = new Date();
  const pad = (v) => String(v).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function newestMtime(dir, skip) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (skip.includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, skip));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Warns when a workspace package's dist is missing or older than its sources. */
function staleBuilds() {
  const warnings = [];
  for (const pkg of ['tsgi', 'server', 'echonext']) {
    const src = newestMtime(join(root, 'packages', pkg, 'src'), []);
    const dist = newestMtime(join(root, 'packages', pkg, 'dist'), []);
    if (dist === 0)
      warnings.push(`packages/${pkg} is not built (no dist/): run \`pnpm build\` first.`);
    else if (src > dist)
      warnings.push(
        `packages/${pkg}/dist is older than its sources: run \`pnpm build\` to bench the current code.`,
      );
  }
  return warnings;
}

function gitCommit() {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${hash} (packages/ has uncommitted changes)` : hash;
  } catch {
    return null;
  }
}

function decidePinning(wanted) {
  const cpus = CPUS;
  if (!wanted)
    return {
      server: null,
      load: null,
      description: 'off (--no-pin): the scheduler places every process',
    };
  if (process.platform !== 'linux' || which('taskset') === null) {
    return {
      server: null,
      load: null,
      description: 'off: taskset is not available (Debian: util-linux)',
    };
  }
  if (cpus < 2)
    return {
      server: null,
      load: null,
      description: 'off: one CPU only; server and load generator share it',
    };
  return {
    server: 0,
    load: 1,
    description:
      `servers on CPU 0, load generator and runner on CPU 1 (taskset)` +
      (cpus > 2
        ? `; CPUs 2-${cpus - 1} left to the rest of the system`
        : '; nothing else is held off either CPU'),
  };
}

function estimateSeconds(config, contenders, scenarios) {
  const httpScenarios = scenarios.filter((name) => SCENARIOS.some((s) => s.name === name)).length;
  const pairs = contenders * httpScenarios;
  const perRun = 0.35;
  let total =
    pairs *
    (0.5 + config.warmupSec + config.rounds * config.durationSec + (config.rounds + 1) * perRun);
  total += contenders * 1.5;
  if (scenarios.includes('idle')) total += contenders * 3;
  if (scenarios.includes('router'))
    total += 10 * config.routerRounds * (config.routerRoundMs / 1000) * 2 + 3;
  return Math.round(total);
}

async function main() {
  const config = parse();
  const started = new Date();
  const startedMs = performance.now();
  const defs = CONTENDERS.filter((c) => config.contenders.includes(c.name));
  const scenarios = SCENARIOS.filter((s) => config.scenarios.includes(s.name));
  const warnings = staleBuilds();
  for (const warning of warnings) log(`warning: ${warning}`);

  const pinning = decidePinning(config.pin);
  if (pinning.load !== null) {
    // The runner opens the idle sockets and reads the results: keep it off the servers' CPU.
    await run('taskset', ['-cp', String(pinning.load), String(process.pid)]);
  }
  const loader = await chooseLoader(config.loader, log);
  const loadBefore = os.loadavg()[0];
  log(`load generator: ${loader.version} (${loader.note})`);
  log(`pinning: ${pinning.description}`);
  log(
    `${config.mode} run: ${defs.length} contenders, ${scenarios.length} HTTP scenarios, ${config.rounds} rounds of ${config.durationSec} s, ` +
      `${config.warmupSec} s warm-up, ${config.connections} connections; about ${estimateSeconds(config, defs.length, config.scenarios)} s`,
  );
  if (loadBefore >= CPUS / 2) {
    log(
      `warning: the machine is busy (load average ${loadBefore.toFixed(2)}): results will be noisy`,
    );
  }

  // Start every contender; they stay up for the whole run so that rounds can interleave them.
  const contenders = [];
  for (const def of defs) {
    const entry = {
      def,
      running: null,
      start: { ok: false, error: null, startupMs: null, rssKiB: null },
      checks: {},
      dead: null,
      stopped: false,
    };
    try {
      entry.running = await startContender(contenderFile(def), { cpu: pinning.server });
      entry.start = {
        ok: true,
        error: null,
        startupMs: entry.running.startupMs,
        rssKiB: memoryOf(entry.running.pid)?.rssKiB ?? null,
        port: entry.running.port,
      };
      log(
        `started ${def.label} (pid ${entry.running.pid}, port ${entry.running.port}, ${Math.round(entry.running.startupMs)} ms)`,
      );
    } catch (error) {
      entry.start.error = error.message;
      log(`FAILED to start ${def.label}: ${error.message}`);
    }
    contenders.push(entry);
  }
  const stopAll = () => Promise.all(contenders.map((c) => c.running?.stop()));
  process.once('SIGINT', () => {
    stopAll().finally(() => process.exit(130));
  });

  const alive = (entry) => {
    if (entry.running === null) return false;
    if (entry.stopped) return entry.dead === null;
    if (entry.dead === null && entry.running.exitInfo() !== null) {
      const tail = entry.running.stderrTail();
      entry.dead = `process ${entry.running.exitInfo()} during the run${tail ? `: ${tail}` : ''}`;
      log(`${entry.def.label}: ${entry.dead}`);
    }
    return entry.dead === null;
  };
  const whyNot = (entry, scenario) => {
    if (entry.running === null) return `failed to start: ${entry.start.error}`;
    if (entry.checks[scenario] != null) return `check failed: ${entry.checks[scenario]}`;
    return entry.dead;
  };

  // One real request per scenario before any load.
  for (const entry of contenders) {
    if (!alive(entry)) continue;
    for (const scenario of scenarios) {
      entry.checks[scenario.name] = await checkScenario(entry.running.port, scenario);
      if (entry.checks[scenario.name] !== null)
        log(`check FAILED: ${entry.def.label} ${scenario.name}: ${entry.checks[scenario.name]}`);
    }
  }

  // Idle keep-alive connections, on processes that have served nothing but the checks.
  let idle = null;
  if (config.scenarios.includes('idle')) {
    const settleMs = 250;
    idle = { connections: config.idleConnections, settleMs, rows: {} };
    for (const entry of contenders) {
      const row = {
        status: 'failed',
        detail: null,
        beforeKiB: null,
        afterKiB: null,
        perConnectionKiB: null,
        open: null,
        vsBaseline: null,
        vsReference: null,
      };
      idle.rows[entry.def.name] = row;
      if (!alive(entry)) {
        row.detail = whyNot(entry, 'idle');
        continue;
      }
      const pid = entry.running.pid;
      await sleep(200);
      const before = memoryOf(pid);
      if (before === null) {
        row.detail = 'no /proc/<pid>/status on this system';
        continue;
      }
      const opening = performance.now();
      const { sockets, failed } = await openIdle(entry.running.port, config.idleConnections);
      row.openMs = performance.now() - opening;
      await sleep(settleMs);
      const after = memoryOf(pid);
      const open = stillOpen(sockets);
      closeAll(sockets);
      row.beforeKiB = before.rssKiB;
      row.afterKiB = after?.rssKiB ?? null;
      row.open = open;
      if (after !== null && open > 0) row.perConnectionKiB = (after.rssKiB - before.rssKiB) / open;
      if (!alive(entry)) row.detail = entry.dead;
      else if (failed > 0)
        row.detail = `${failed} of ${config.idleConnections} connections got no answer`;
      else if (open < config.idleConnections) {
        // The server closed some (a keep-alive timeout shorter than the opening took).
        row.status = open > 0 ? 'partial' : 'failed';
        row.detail = `only ${open} of ${config.idleConnections} connections were still open when RSS was read (opening took ${Math.round(row.openMs)} ms)`;
      } else row.status = 'ok';
      log(
        `idle ${entry.def.label}: RSS ${(row.beforeKiB / 1024).toFixed(1)} -> ${((row.afterKiB ?? 0) / 1024).toFixed(1)} MiB with ${open} open, opened in ${Math.round(row.openMs)} ms${row.detail ? ` (${row.detail})` : ''}`,
      );
      await sleep(100);
    }
    addRatios(idle.rows, (row) => row.afterKiB);
  }

  const spec = (entry, scenario, durationSec) => ({
    url: `http://127.0.0.1:${entry.running.port}${scenario.path}`,
    method: scenario.method,
    body: scenario.body,
    contentType: scenario.contentType,
    connections: config.connections,
    durationSec,
    cpu: pinning.load,
  });
  const ready = (entry, scenario) => alive(entry) && entry.checks[scenario.name] === null;

  // Warm-up: every scenario on every contender, results discarded. A priming
  // burst gets the JIT going; the load generator then runs for warmupSec.
  if (scenarios.length > 0) {
    log(
      `warm-up: priming burst${config.warmupSec > 0 ? ` and ${config.warmupSec} s of load` : ''} per scenario and contender`,
    );
    for (const scenario of scenarios) {
      for (const entry of contenders) {
        if (!ready(entry, scenario)) continue;
        const requests = scenario.name === 'stream' ? 50 : 500;
        await primeScenario(entry.running.port, scenario, {
          requests,
          concurrency: 10,
          maxMs: 500,
        });
        if (config.warmupSec > 0) await runLoad(loader, spec(entry, scenario, config.warmupSec));
      }
    }
  }

  // Measured rounds: contenders interleaved, A B C ... A B C ...
  const rounds = Object.fromEntries(
    scenarios.map((s) => [s.name, Object.fromEntries(contenders.map((c) => [c.def.name, []]))]),
  );
  for (let round = 1; round <= config.rounds; round++) {
    for (const scenario of scenarios) {
      for (const entry of contenders) {
        if (!ready(entry, scenario)) continue;
        await sleep(100);
        const cpuBefore = cpuSecondsOf(entry.running.pid, CLK_TCK);
        const result = await runLoad(loader, spec(entry, scenario, config.durationSec));
        const cpuAfter = cpuSecondsOf(entry.running.pid, CLK_TCK);
        // The share of one CPU the server used: near 1 means the server was the bottleneck.
        result.serverCpu =
          cpuBefore !== null && cpuAfter !== null && result.durationSec > 0
            ? (cpuAfter - cpuBefore) / result.durationSec
            : null;
        result.load1 = os.loadavg()[0];
        rounds[scenario.name][entry.def.name].push(result);
        const errorNote =
          result.failure ?? (result.errorCount > 0 ? `${result.errorCount} errors` : '');
        log(
          `round ${round}/${config.rounds} ${scenario.name.padEnd(9)} ${entry.def.label.padEnd(24)} ` +
            `${Math.round(result.rps).toString().padStart(7)} req/s  p99 ${result.p99Ms?.toFixed(2) ?? '-'} ms ${errorNote}`,
        );
      }
    }
  }

  // Router micro-benchmark, in its own process on the servers' CPU (they are idle now).
  let router = null;
  if (config.scenarios.includes('router')) {
    log('router micro-benchmark');
    const args = [
      join(here, 'router.mjs'),
      '--json',
      '--rounds',
      String(config.routerRounds),
      '--round-ms',
      String(config.routerRoundMs),
    ];
    if (pinning.server !== null) args.push('--pinned-cpu', String(pinning.server));
    const [command, argv] = pinned(pinning.server, process.execPath, args);
    const out = await run(command, argv, { timeoutMs: 300_000 });
    try {
      router = JSON.parse(out.stdout.trim().split('\n').pop());
    } catch {
      router = { error: `router.mjs failed (exit ${out.code}): ${out.stderr.trim().slice(-400)}` };
    }
  }

  // Peak memory, then stop everything.
  for (const entry of contenders) {
    entry.peakRssKiB =
      entry.running && entry.running.exitInfo() === null
        ? (memoryOf(entry.running.pid)?.hwmKiB ?? null)
        : null;
  }
  for (const entry of contenders) {
    alive(entry);
    entry.stopped = true;
  }
  await stopAll();

  const scenarioResults = scenarios.map((scenario) => {
    const rows = {};
    for (const entry of contenders) {
      const list = rounds[scenario.name][entry.def.name];
      const failure =
        list.length < config.rounds || !ready(entry, scenario)
          ? (whyNot(entry, scenario.name) ?? 'not all rounds ran')
          : null;
      rows[entry.def.name] = summarizeRow(
        list,
        list.length === 0 ? (failure ?? 'not measured') : failure,
      );
    }
    addRatios(rows, (row) => row.rps.median);
    return {
      name: scenario.name,
      title: scenario.title,
      describe: scenario.describe,
      request: {
        method: scenario.method,
        path: scenario.path,
        bodyBytes: scenario.body ? Buffer.byteLength(scenario.body) : 0,
      },
      rows,
      rounds: rounds[scenario.name],
    };
  });

  const finished = new Date();
  const loadAfter = os.loadavg()[0];
  const date = today();
  const results = {
    date,
    mode: config.mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    elapsedSec: (performance.now() - startedMs) / 1000,
    commit: gitCommit(),
    machine: {
      cpus: CPUS,
      cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
      os: `${os.type()} ${os.release()}`,
      memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      loadBefore,
      loadAfter,
      busy: Math.max(loadBefore, loadAfter) >= CPUS / 2,
    },
    settings: {
      loader,
      connections: config.connections,
      durationSec: config.durationSec,
      warmupSec: config.warmupSec,
      rounds: config.rounds,
      idleConnections: config.idleConnections,
      pinning,
      baseline: BASELINE,
      reference: REFERENCE,
    },
    warnings,
    contenders: contenders.map((entry) => ({
      name: entry.def.name,
      label: entry.def.label,
      version: contenderVersion(entry.def),
      router: entry.def.router,
      body: entry.def.body,
      start: entry.start,
      checks: entry.checks,
      died: entry.dead,
      peakRssKiB: entry.peakRssKiB,
    })),
    scenarios: scenarioResults,
    idle,
    router,
  };

  const markdown = renderMarkdown(results);
  mkdirSync(config.out, { recursive: true });
  const base = join(config.out, config.mode === 'quick' ? `${date}-quick` : date);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${markdown}\n`);
  log(
    `wrote ${relative(process.cwd(), `${base}.md`)} and ${relative(process.cwd(), `${base}.json`)} in ${Math.round(results.elapsedSec)} s`,
  );
}

main().catch((error) => {
  log(`bench: ${error.message}`);
  process.exit(2);
});
