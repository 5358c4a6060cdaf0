/**
 * What the application cases share: request bodies, and loops over the
 * run's request targets.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import type { HttpPlan, HttpRun } from '../../app/http-driver.js';

/** How many pieces the chunked request bodies come in. */
export const PIECES = 64;

/** How big each piece is, in bytes. */
export const PIECE_SIZE = 256;

/** A request body of `count` pieces of `size` bytes, each piece a different letter. */
export function pieces(count = PIECES, size = PIECE_SIZE): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(String.fromCharCode(97 + (i % 26)).repeat(size));
  return out;
}

/** A small JSON request body, as most APIs expect one. */
export const JSON_BODY = '{"conformance":true,"n":1}';

/** The headers of a JSON request body. */
export const JSON_HEADERS: [string, string][] = [['content-type', 'application/json']];

/**
 * Drives `plans(path)` for every request target of the run, one exchange at
 * a time, failing the case on the first rule broken.
 *
 * @returns every exchange, in order.
 */
export async function everyPath(
  context: AppContext,
  plans: (path: string) => readonly HttpPlan[],
): Promise<HttpRun[]> {
  const runs: HttpRun[] = [];
  for (const path of context.paths) {
    for (const plan of plans(path)) runs.push(await context.checkedHttp(plan));
  }
  return runs;
}

/** The `type` of every event the exchanges' application sent. */
export function sentTypes(runs: readonly HttpRun[]): Set<string> {
  const types = new Set<string>();
  for (const run of runs) {
    for (const event of run.observer.sent) {
      const type = (event as { type?: unknown } | null)?.type;
      if (typeof type === 'string') types.add(type);
    }
  }
  return types;
}
