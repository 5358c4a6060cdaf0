/**
 * The checks the suite makes on every event an application sends, besides
 * those of the protocol machines: the event's JSON Schema from the spec, and
 * the rules a schema cannot say (a `content-length` set once). A schema
 * problem is reported under the requirement that governs the field.
 *
 * @module
 */

import type { SchemaName } from 'tsgi';
import { schemaProblems } from '../schema.js';
import type { Finding } from './finding.js';

/**
 * For each event type an application may send: the requirement governing
 * each field, and (under `''`) the one for the event as a whole.
 */
const FIELD_RULES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'http.response.start': {
    '': 'HTTP-RESP-1',
    status: 'HTTP-RESP-2',
    headers: 'HTTP-RESP-3',
    trailers: 'EXT-TRAILERS-2',
  },
  'http.response.body': { '': 'HTTP-RESP-5' },
  'http.response.earlyHints': { '': 'EXT-HINTS-1', headers: 'HTTP-RESP-3' },
  'http.response.file': { '': 'EXT-FILE-1' },
  'http.response.trailers': { '': 'EXT-TRAILERS-2', headers: 'HTTP-RESP-3' },
  'websocket.accept': { '': 'WS-ACCEPT-1', subprotocol: 'WS-ACCEPT-2', headers: 'HTTP-RESP-3' },
  'websocket.send': { '': 'WS-SEND-1' },
  'websocket.close': { '': 'WS-CLOSE-2' },
  'websocket.http.response.start': {
    '': 'EXT-WSDENY-1',
    status: 'EXT-WSDENY-1',
    headers: 'HTTP-RESP-3',
  },
  'websocket.http.response.body': { '': 'EXT-WSDENY-1' },
  'lifespan.startup.complete': { '': 'LS-6' },
  'lifespan.startup.failed': { '': 'LS-6', message: 'LS-7' },
  'lifespan.shutdown.complete': { '': 'LS-6' },
  'lifespan.shutdown.failed': { '': 'LS-6', message: 'LS-7' },
};

/** The event types whose start carries response headers, with their `content-length`. */
const RESPONSE_STARTS: ReadonlySet<string> = new Set([
  'http.response.start',
  'websocket.http.response.start',
]);

/** The field a schema problem line is about: the first step of its path, or the missing property. */
function fieldOf(problem: string): string {
  const path = /^\/([^/\s]+)/.exec(problem);
  if (path !== null) return path[1] as string;
  const missing = /"missingProperty":"([^"]+)"/.exec(problem);
  return missing?.[1] ?? '';
}

/** A copy of `event` without fields that hold `undefined`, which count as absent (spec 1.2). */
function withoutAbsent(event: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) if (value !== undefined) copy[key] = value;
  return copy;
}

/**
 * Checks one sent event against its schema and the rules a schema cannot
 * express. Events of a type with no schema are left to the protocol
 * machines, which reject them.
 *
 * @returns the first problem, or `null`.
 */
export function checkSentEvent(event: unknown): Finding | null {
  if (event === null || typeof event !== 'object') return null;
  const fields = event as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== 'string') return null;
  const rules = FIELD_RULES[type];
  if (rules === undefined) return null;
  const problems = schemaProblems(type as SchemaName, withoutAbsent(fields));
  if (problems.length > 0) {
    const problem = problems[0] as string;
    const field = fieldOf(problem);
    return {
      requirement: rules[field] ?? (rules[''] as string),
      what: field === '' ? type : `${type} ${field}`,
      expected: `an event that matches the ${type} schema`,
      actual: problems.slice(0, 3).join('; '),
    };
  }
  if (RESPONSE_STARTS.has(type) && Array.isArray(fields.headers)) {
    const lengths = (fields.headers as unknown[]).filter(
      (pair) => Array.isArray(pair) && pair[0] === 'content-length',
    );
    if (lengths.length > 1) {
      return {
        requirement: 'HTTP-RESP-7',
        what: `${type} content-length`,
        expected: 'content-length set once',
        actual: `${lengths.length} content-length fields`,
      };
    }
  }
  return null;
}
