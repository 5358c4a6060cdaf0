/**
 * Router micro-benchmark, in one process: echonext's router against
 * find-my-way (Fastify's router), Hono's routers and the hand-written matcher
 * of the HTTP contenders, on the same 100-route table and the same lookups.
 *
 * A lookup is what a request needs from a router: find the handler for
 * `GET` and the path, and read the parameters. Each router is checked on
 * every path before it is timed; a router that answers wrong is reported as
 * failed, not timed.
 *
 *   node bench/router.mjs [--quick] [--rounds N] [--round-ms MS] [--json]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compileMatcher } from './lib/match.mjs';
import { renderRouterTable } from './lib/report.mjs';
import { spread } from './lib/stats.mjs';
import { MISSES, ROUTES } from './lib/workload.mjs';

/**
 * @typedef {object} Adapter
 * @property {string} name
 * @property {string} label
 * @property {(path: string) => { id: number, params: Record<string, unknown> } | null} resolve
 *   the full answer, for the check
 * @property {string} lookupSource the body of `(router, path) => number`: the timed lookup,
 *   returning the handler id plus the length of the first parameter, or -1 on a miss
 * @property {unknown} router
 */

async function echonextAdapter() {
  const { Router } = await import('echonext');
  const router = new Router();
  for (const route of ROUTES) router.add('GET', route.brace, route.index);
  return {
    name: 'echonext',
    label: 'echonext Router',
    router,
    resolve(path) {
      const match = router.lookup('GET', path);
      return match.kind === 'found' ? { id: match.handler, params: match.params } : null;
    },
    lookupSource: `
      const m = router.lookup('GET', path);
      if (m.kind !== 'found') return -1;
      for (const k in m.params) return m.handler + m.params[k].length;
      return m.handler;`,
  };
}

async function findMyWayAdapter() {
  const { default: FindMyWay } = await import('find-my-way');
  const router = FindMyWay();
  for (const route of ROUTES) router.on('GET', route.colon, () => {}, { id: route.index });
  return {
    name: 'find-my-way',
    label: 'find-my-way (Fastify)',
    router,
    resolve(path) {
      const found = router.find('GET', path);
      return found === null ? null : { id: found.store.id, params: { ...found.params } };
    },
    lookupSource: `
      const f = router.find('GET', path);
      if (f === null) return -1;
      for (const k in f.params) return f.store.id + f.params[k].length;
      return f.store.id;`,
  };
}

/** Hono routers answer `[[handler, params | paramIndexMap][], paramStash?]`. */
function honoAdapter(name, label, router) {
  for (const route of ROUTES) router.add('GET', route.colon, route.index);
  return {
    name,
    label,
    router,
    resolve(path) {
      const result = router.match('GET', path);
      const first = result[0][0];
      if (first === undefined) return null;
      const [id, map] = first;
      const stash = result[1];
      const params = {};
      for (const key of Object.keys(map)) params[key] = stash ? stash[map[key]] : map[key];
      return { id, params };
    },
    lookupSource: `
      const r = router.match('GET', path);
      const first = r[0][0];
      if (first === undefined) return -1;
      const map = first[1];
      const stash = r[1];
      for (const k in map) return first[0] + (stash ? stash[map[k]] : map[k]).length;
      return first[0];`,
  };
}

async function honoAdapters() {
  const { RegExpRouter } = await import('hono/router/reg-exp-router');
  const { TrieRouter } = await import('hono/router/trie-router');
  const { LinearRouter } = await import('hono/router/linear-router');
  const { PatternRouter } = await import('hono/router/pattern-router');
  const { SmartRouter } = await import('hono/router/smart-router');
  return [
    honoAdapter(
      'hono-smart',
      'Hono SmartRouter (default: RegExp + Trie)',
      new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }),
    ),
    honoAdapter('hono-regexp', 'Hono RegExpRouter', new RegExpRouter()),
    honoAdapter('hono-trie', 'Hono TrieRouter', new TrieRouter()),
    honoAdapter('hono-linear', 'Hono LinearRouter', new LinearRouter()),
    honoAdapter('hono-pattern', 'Hono PatternRouter', new PatternRouter()),
  ];
}

function handWrittenAdapter() {
  const router = compileMatcher(ROUTES, (route) => route.index);
  return {
    name: 'hand-written',
    label: 'hand-written matcher (lib/match.mjs)',
    router,
    resolve(path) {
      const hit = router(path);
      return hit === null ? null : { id: hit.value, params: hit.params };
    },
    lookupSource: `
      const h = router(path);
      if (h === null) return -1;
      for (const k in h.params) return h.value + h.params[k].length;
      return h.value;`,
  };
}

/** What is wrong with an adapter's answers, or `null`. */
function check(adapter) {
  for (const route of ROUTES) {
    const got = adapter.resolve(route.sample);
    if (got === null) return `no match for ${route.sample}`;
    if (got.id !== route.index)
      return `${route.sample} found route ${got.id}, expected ${route.index}`;
    for (const name of route.params) {
      if (String(got.params[name]) !== route.sampleParams[name]) {
        return `${route.sample}: parameter ${name} = ${JSON.stringify(got.params[name])}, expected ${route.sampleParams[name]}`;
      }
    }
  }
  for (const path of MISSES) {
    if (adapter.resolve(path) !== null) return `${path} matched, expected no match`;
  }
  return null;
}

/**
 * A timing loop of its own per adapter and path list, so that no call site
 * is shared (and made polymorphic) between routers.
 */
function makeLoop(adapter) {
  const lookup = new Function('router', 'path', adapter.lookupSource);
  const loop = new Function(
    'lookup',
    'router',
    'paths',
    'ms',
    `let ops = 0, sink = 0;
     const start = performance.now();
     const end = start + ms;
     let now = start;
     do {
       for (let i = 0; i < paths.length; i++) sink += lookup(router, paths[i]);
       ops += paths.length;
       now = performance.now();
     } while (now < end);
     return { ops, seconds: (now - start) / 1000, sink };`,
  );
  return (paths, ms) => loop(lookup, adapter.router, paths, ms);
}

/**
 * Runs the benchmark.
 *
 * @param {{ rounds: number, roundMs: number }} options
 */
export async function runRouterBench(options) {
  const loaders = [
    ['echonext', echonextAdapter],
    ['find-my-way', findMyWayAdapter],
    ['hono', honoAdapters],
    ['hand-written', handWrittenAdapter],
  ];
  const rows = [];
  const adapters = [];
  for (const [name, load] of loaders) {
    try {
      const made = await load();
      for (const adapter of Array.isArray(made) ? made : [made]) adapters.push(adapter);
    } catch (error) {
      rows.push({
        name,
        label: name,
        status: 'failed',
        detail: `could not be loaded: ${error.message}`,
      });
    }
  }
  const live = [];
  for (const adapter of adapters) {
    let problem;
    try {
      problem = check(adapter);
    } catch (error) {
      problem = `threw: ${error.message}`;
    }
    const row = {
      name: adapter.name,
      label: adapter.label,
      status: problem ? 'failed' : 'ok',
      detail: problem,
    };
    rows.push(row);
    if (!problem)
      live.push({
        row,
        hits: makeLoop(adapter),
        misses: makeLoop(adapter),
        samples: { hits: [], misses: [] },
      });
  }
  const hitPaths = ROUTES.map((route) => route.sample);
  // Warm-up: every loop runs before any is timed.
  for (const entry of live) {
    entry.hits(hitPaths, options.roundMs / 2);
    entry.misses(MISSES, options.roundMs / 2);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const entry of live) {
      const r = entry.hits(hitPaths, options.roundMs);
      entry.samples.hits.push(r.ops / r.seconds);
    }
    for (const entry of live) {
      const r = entry.misses(MISSES, options.roundMs);
      entry.samples.misses.push(r.ops / r.seconds);
    }
  }
  for (const entry of live) {
    entry.row.hits = spread(entry.samples.hits);
    entry.row.misses = spread(entry.samples.misses);
    entry.row.samples = entry.samples;
  }
  const reference = rows.find((row) => row.name === 'echonext' && row.status === 'ok');
  for (const row of rows) {
    row.hits ??= { median: null, min: null, max: null };
    row.misses ??= { median: null, min: null, max: null };
    row.vsReference =
      reference && row.status === 'ok' ? row.hits.median / reference.hits.median : null;
  }
  return {
    rounds: options.rounds,
    roundMs: options.roundMs,
    routes: ROUTES.length,
    misses: MISSES.length,
    node: process.versions.node,
    rows,
  };
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'round-ms': { type: 'string' },
      'pinned-cpu': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: node bench/router.mjs [--quick] [--rounds N] [--round-ms MS] [--json]\n',
    );
    process.exit(0);
  }
  const rounds = Number(values.rounds ?? (values.quick ? 3 : 7));
  const roundMs = Number(values['round-ms'] ?? (values.quick ? 150 : 400));
  const result = await runRouterBench({ rounds, roundMs });
  result.pinnedCpu = values['pinned-cpu'] === undefined ? null : Number(values['pinned-cpu']);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${renderRouterTable(result)}\n`);
}
