/**
 * What the application mode found wrong, before it becomes a case's
 * {@link AssertionFailure}: a requirement ID, the subject, and what was
 * expected and seen. Findings come from three places (the protocol machines
 * and validator of `tsgi`, the JSON Schemas, and the suite's own watch over
 * the application's calls); they share this one shape so that a case reports
 * them alike.
 *
 * @module
 */

import { AssertionFailure } from '../case.js';

/** One rule the application broke. */
export interface Finding {
  /** The requirement ID, such as `HTTP-RESP-2`. */
  readonly requirement: string;
  /** The subject, such as `http.response.start status`. */
  readonly what: string;
  /** What the requirement asks for. */
  readonly expected: string;
  /** What the application did instead. */
  readonly actual: string;
}

const PROTOCOL_MESSAGE = /^\[[A-Z0-9-]+\] (.*?): expected /s;

/**
 * Reads a `ProtocolError` (from any copy of the `tsgi` package, recognised by
 * its `code`) as a finding; `null` for anything else.
 */
export function findingOf(error: unknown): Finding | null {
  if (error === null || typeof error !== 'object') return null;
  const fields = error as {
    code?: unknown;
    requirement?: unknown;
    expected?: unknown;
    received?: unknown;
    message?: unknown;
  };
  if (fields.code !== 'ERR_TSGI_PROTOCOL' || typeof fields.requirement !== 'string') return null;
  const message = typeof fields.message === 'string' ? fields.message : '';
  return {
    requirement: fields.requirement,
    what: PROTOCOL_MESSAGE.exec(message)?.[1] ?? 'event',
    expected: typeof fields.expected === 'string' ? fields.expected : 'the rule kept',
    actual: typeof fields.received === 'string' ? fields.received : message,
  };
}

/**
 * Fails the case with `finding`, naming the exchange it was seen in.
 *
 * @param finding - the broken rule.
 * @param where - the exchange, such as `GET /`.
 */
export function failWith(finding: Finding, where: string): never {
  throw new AssertionFailure(
    finding.requirement,
    `${where}: ${finding.what}`,
    finding.expected,
    finding.actual,
  );
}

/** The message of a thrown value, on one line, for a report. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = typeof code === 'string' ? `${error.name} ${code}` : error.name;
    return `${name}: ${error.message.split('\n')[0]}`;
  }
  return String(error);
}
