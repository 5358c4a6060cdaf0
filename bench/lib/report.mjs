/** Renders the results as markdown. */
import { CONTENDERS } from './contenders.mjs';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function n(value) {
  return value == null || Number.isNaN(value) ? '—' : int.format(value);
}

function ms(value) {
  if (value == null) return '—';
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function times(value) {
  return value == null ? '—' : `${value.toFixed(2)}×`;
}

function pct(rate) {
  if (rate === 0) return '0';
  if (rate < 0.0001) return '<0.01%';
  return `${(rate * 100).toFixed(2)}%`;
}

function mib(kib) {
  return kib == null || Number.isNaN(kib) ? '—' : (kib / 1024).toFixed(1);
}

function cell(text) {
  return String(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' / ');
}

function statusText(row) {
  if (row.status === 'ok') return 'ok';
  if (row.status === 'errors') {
    const parts = Object.entries(row.errors)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${kind === 'status' ? 'non-2xx' : kind} ${n(count)}`);
    return `**ERRORS** ${pct(row.errorRate)} (${parts.join(', ')}); no ratio`;
  }
  return `**FAILED**: ${cell(row.detail ?? 'unknown')}`;
}

function table(head, align, lines) {
  return [
    `| ${head.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...lines.map((line) => `| ${line.join(' | ')} |`),
  ].join('\n');
}

function labelOf(name) {
  return CONTENDERS.find((c) => c.name === name)?.label ?? name;
}

/**
 * @param {object} results what run.mjs collected (see the JSON file)
 * @returns {string}
 */
export function renderMarkdown(results) {
  const s = results.settings;
  const m = results.machine;
  const out = [];
  out.push(`# TSGI benchmark: ${results.date}${results.mode === 'quick' ? ' (quick run)' : ''}`);
  out.push('');
  out.push(
    `Requests per second, median of ${s.rounds} rounds (min and max beside it), on one machine in one run. ` +
      'Ratios compare medians with the bare `node:http` handler (the ceiling) and with echonext; ' +
      'a row with errors or a failure gets no ratio. "Server CPU" is the share of one core the server ' +
      'process used during the measured runs: well below 100% means something other than the server ' +
      '(the load generator, other processes) limited the run. See `bench/README.md` for how to read this.',
  );
  out.push('');
  out.push(
    `- Started ${results.startedAt}, took ${Math.round(results.elapsedSec)} s; commit ${results.commit ?? 'unknown'}.`,
  );
  out.push(`- Machine: ${m.cpus} × ${m.cpuModel}, ${m.os}, ${m.memGiB} GiB; Node ${m.node}.`);
  out.push(
    `- Load: ${s.loader.version} (${s.loader.note}), ${s.loader.kind === 'wrk' ? '1 thread, ' : ''}` +
      `${s.connections} connections, ${s.durationSec} s per round, ${s.rounds} rounds, ` +
      `${s.warmupSec} s warm-up per scenario and contender; contenders interleaved in every round.`,
  );
  out.push(`- Pinning: ${s.pinning.description}.`);
  out.push(
    `- Load average (1 min) before / after: ${m.loadBefore.toFixed(2)} / ${m.loadAfter.toFixed(2)}` +
      (m.busy
        ? ` — **the machine was busy (load ≥ ${m.cpus / 2}): expect noise beyond the min–max spread.**`
        : '.'),
  );
  if (results.warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const warning of results.warnings) out.push(`- ${warning}`);
  }

  // Overview.
  const names = results.contenders.map((c) => c.name);
  out.push('');
  out.push('## Overview');
  out.push('');
  out.push('Median requests/s, and the ratio to `node:http`.');
  out.push('');
  const overviewHead = ['Contender', ...results.scenarios.map((sc) => sc.title)];
  const overview = names.map((name) => [
    labelOf(name),
    ...results.scenarios.map((sc) => {
      const row = sc.rows[name];
      if (row === undefined) return '—';
      if (row.status === 'failed') return 'failed';
      if (row.status === 'errors') return `${n(row.rps.median)} (errors)`;
      return `${n(row.rps.median)} (${times(row.vsBaseline)})`;
    }),
  ]);
  out.push(table(overviewHead, ['l', ...results.scenarios.map(() => 'r')], overview));

  // Contenders.
  out.push('');
  out.push('## Contenders');
  out.push('');
  out.push(
    table(
      [
        'Contender',
        'Versions',
        'Routing',
        'POST body',
        'Start-up',
        'RSS at start (MiB)',
        'Peak RSS (MiB)',
      ],
      ['l', 'l', 'l', 'l', 'r', 'r', 'r'],
      results.contenders.map((c) => [
        c.label,
        c.version,
        c.router,
        c.body,
        c.start.ok ? `${Math.round(c.start.startupMs)} ms` : `**FAILED**: ${cell(c.start.error)}`,
        mib(c.start.rssKiB),
        mib(c.peakRssKiB),
      ]),
    ),
  );

  for (const sc of results.scenarios) {
    out.push('');
    out.push(`## ${sc.title}`);
    out.push('');
    out.push(sc.describe);
    out.push('');
    out.push(
      table(
        [
          'Contender',
          'req/s median',
          'min',
          'max',
          'p50 ms',
          'p99 ms',
          'server CPU',
          'errors',
          '× node:http',
          '× echonext',
          'status',
        ],
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
        names
          .filter((name) => sc.rows[name] !== undefined)
          .map((name) => {
            const row = sc.rows[name];
            return [
              labelOf(name),
              n(row.rps.median),
              n(row.rps.min),
              n(row.rps.max),
              ms(row.p50Ms),
              ms(row.p99Ms),
              row.serverCpu == null ? '—' : `${Math.round(row.serverCpu * 100)}%`,
              row.requests > 0 ? pct(row.errorRate) : '—',
              times(row.vsBaseline),
              times(row.vsReference),
              statusText(row),
            ];
          }),
      ),
    );
  }

  if (results.idle !== null) {
    const idle = results.idle;
    out.push('');
    out.push(`## ${n(idle.connections)} idle keep-alive connections`);
    out.push('');
    out.push(
      `Each contender, fresh after start-up and the checks, gets ${n(idle.connections)} sockets that each send one ` +
        'keep-alive `GET /plaintext`, read the answer and stay open. RSS is read from `/proc/<pid>/status` ' +
        `before opening them and ${idle.settleMs} ms after the last answer; ratios compare the RSS with the connections open.`,
    );
    out.push('');
    out.push(
      table(
        [
          'Contender',
          'RSS idle (MiB)',
          `RSS with ${n(idle.connections)} (MiB)`,
          'per connection (KiB)',
          'open when read',
          '× node:http',
          '× echonext',
          'status',
        ],
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
        names
          .filter((name) => idle.rows[name] !== undefined)
          .map((name) => {
            const row = idle.rows[name];
            return [
              labelOf(name),
              mib(row.beforeKiB),
              mib(row.afterKiB),
              row.perConnectionKiB == null ? '—' : row.perConnectionKiB.toFixed(1),
              row.open == null ? '—' : n(row.open),
              times(row.vsBaseline),
              times(row.vsReference),
              row.status === 'ok'
                ? 'ok'
                : `**${row.status === 'partial' ? 'PARTIAL' : 'FAILED'}**: ${cell(row.detail)}; no ratio`,
            ];
          }),
      ),
    );
  }

  if (results.router !== null) {
    const r = results.router;
    out.push('');
    out.push('## Router micro-benchmark');
    out.push('');
    if (r.error) {
      out.push(`**FAILED**: ${cell(r.error)}`);
    } else {
      out.push(renderRouterTable(r));
    }
  }
  out.push('');
  return out.join('\n');
}

/**
 * The table of the router benchmark (also printed by `router.mjs` alone).
 *
 * @param {object} r the result of `router.mjs`
 */
export function renderRouterTable(r) {
  const lines = [];
  lines.push(
    `In-process lookups on the same 100-route table: "hits" cycles through one path per route ` +
      `(finding the handler and reading its parameters), "misses" through ${r.misses} paths that match nothing. ` +
      `Lookups per second, median of ${r.rounds} rounds of about ${r.roundMs} ms each, routers interleaved.` +
      (r.pinnedCpu == null ? '' : ` Pinned to CPU ${r.pinnedCpu}.`),
  );
  lines.push('');
  lines.push(
    table(
      ['Router', 'hits/s median', 'min', 'max', 'misses/s median', '× echonext (hits)', 'status'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
      r.rows.map((row) => [
        row.label,
        n(row.hits.median),
        n(row.hits.min),
        n(row.hits.max),
        n(row.misses.median),
        times(row.vsReference),
        row.status === 'ok' ? 'ok' : `**FAILED**: ${cell(row.detail)}`,
      ]),
    ),
  );
  return lines.join('\n');
}
