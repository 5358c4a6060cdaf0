/**
 * Turns the raw rounds into rows: medians, spreads, error rates, a status,
 * and ratios to the ceiling (`node:http`) and to the reference (echonext).
 * A row with errors or a failure gets no ratio, so it cannot pass for a
 * clean result.
 */
import { BASELINE, REFERENCE } from './contenders.mjs';
import { median, ratio, spread } from './stats.mjs';

const NO_ERRORS = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };

/**
 * @param {import('./loadgen.mjs').LoadResult[]} rounds
 * @param {string | null} failure why the row failed before or during the load
 */
export function summarizeRow(rounds, failure) {
  const errors = { ...NO_ERRORS };
  let requests = 0;
  let errorCount = 0;
  for (const round of rounds) {
    const e = round.errors;
    requests += round.requests + e.connect + e.read + e.write + e.timeout;
    errorCount += round.errorCount;
    for (const key of Object.keys(errors)) errors[key] += round.errors[key];
  }
  const roundFailure = rounds.find((round) => round.failure !== null)?.failure ?? null;
  const problem = failure ?? roundFailure;
  const errorRate = requests > 0 ? errorCount / requests : errorCount > 0 ? 1 : 0;
  let status = 'ok';
  if (problem !== null || rounds.length === 0) status = 'failed';
  else if (errorCount > 0) status = 'errors';
  const measured = status === 'failed' ? [] : rounds;
  return {
    status,
    detail: problem ?? (rounds.length === 0 ? 'not measured' : null),
    roundsRun: rounds.length,
    rps: spread(measured.map((round) => round.rps)),
    p50Ms: median(measured.map((round) => round.p50Ms).filter((v) => v !== null)),
    p99Ms: median(measured.map((round) => round.p99Ms).filter((v) => v !== null)),
    serverCpu: median(measured.map((round) => round.serverCpu).filter((v) => v != null)),
    requests,
    errors,
    errorCount,
    errorRate,
    vsBaseline: null,
    vsReference: null,
  };
}

/**
 * Fills the ratio fields of every row of one table, in place.
 *
 * @param {Record<string, { status: string, vsBaseline: number | null, vsReference: number | null }>} rows
 * @param {(row: object) => number | null} metric the compared value
 */
export function addRatios(rows, metric) {
  const clean = (name) => (rows[name]?.status === 'ok' ? metric(rows[name]) : null);
  const base = clean(BASELINE);
  const reference = clean(REFERENCE);
  for (const row of Object.values(rows)) {
    if (row.status !== 'ok') continue;
    row.vsBaseline = ratio(metric(row), base);
    row.vsReference = ratio(metric(row), reference);
  }
}
