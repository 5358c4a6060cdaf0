/**
 * The case model of the conformance suite: what a case is, how it fails, and
 * what a run of it yields.
 *
 * A case is small and declarative: an id, the requirement IDs it checks, and
 * a `run` function that drives the system under test and throws an
 * {@link AssertionFailure} naming the requirement it found broken.
 *
 * @module
 */

import { TsgiError } from 'tsgi';

/** Stable codes of the errors the suite throws. */
export const ConformanceErrorCode = {
  /** A case found a requirement broken. */
  ASSERTION: 'ERR_TSGI_CONFORMANCE_ASSERTION',
  /** A case cannot run against this target (an extension or a facility is missing). */
  UNSUPPORTED: 'ERR_TSGI_CONFORMANCE_UNSUPPORTED',
  /** The suite could not drive the target at all: it did not start, crashed, or the usage was wrong. */
  HARNESS: 'ERR_TSGI_CONFORMANCE_HARNESS',
  /** A case did not finish within its time limit. */
  TIMEOUT: 'ERR_TSGI_CONFORMANCE_TIMEOUT',
} as const;

/** The outcome of one case. */
export type CaseStatus = 'pass' | 'fail' | 'warn' | 'skipped-unsupported' | 'error';

/** Every {@link CaseStatus}, in the order reports list them. */
export const CASE_STATUSES: readonly CaseStatus[] = [
  'pass',
  'fail',
  'warn',
  'skipped-unsupported',
  'error',
];

/**
 * The strength of the requirements a case checks. A failed `SHOULD` case is
 * reported as `warn` and does not fail the run.
 */
export type CaseLevel = 'MUST' | 'SHOULD';

/** The optional features a case may need, as named in `scope.extensions`. */
export type ExtensionName =
  | 'http.response.trailers'
  | 'http.response.earlyHints'
  | 'http.response.file'
  | 'websocket.http.response'
  | 'tls';

/**
 * What a case may need from the target: an extension its scopes advertise,
 * or an optional protocol (`websocket`, `lifespan`) it supports.
 */
export type Capability = ExtensionName | 'websocket' | 'lifespan';

/**
 * What a case may need from the way the suite reaches the target, beyond a
 * network address.
 *
 * - `process`: the suite started the server itself (`--command`), so it can
 *   read its output and start more instances of it.
 */
export type Facility = 'process';

/**
 * One conformance case.
 *
 * @typeParam Context - what `run` gets to drive the target with.
 */
export interface ConformanceCase<Context> {
  /** A stable dotted id, `<group>.<name>`, such as `http.paths.percent-decoding`. */
  readonly id: string;
  /** The group the case belongs to, such as `http.paths`. */
  readonly group: string;
  /** One line saying what the case checks. */
  readonly title: string;
  /** The requirement IDs of the spec the case checks; at least one. */
  readonly requirements: readonly string[];
  /** `SHOULD` when every requirement checked is a SHOULD. Defaults to `MUST`. */
  readonly level?: CaseLevel;
  /** A capability the case needs; it is `skipped-unsupported` when the target lacks it. */
  readonly needs?: Capability;
  /** Facilities the case needs; it is skipped when the run does not offer them. */
  readonly requires?: readonly Facility[];
  /** The time limit for the case in milliseconds; the run's default when absent. */
  readonly timeoutMs?: number;
  /** Whether the case must run alone, because it measures timing or load. */
  readonly exclusive?: boolean;
  /** Runs the case: resolves when the target conforms, throws otherwise. */
  run(context: Context): Promise<void>;
}

/** What a run of one case yields. */
export interface CaseResult {
  /** The case's id. */
  readonly id: string;
  /** The case's group. */
  readonly group: string;
  /** The case's title. */
  readonly title: string;
  /** The requirement IDs the case checks. */
  readonly requirements: readonly string[];
  /** The case's level. */
  readonly level: CaseLevel;
  /** The outcome. */
  readonly status: CaseStatus;
  /** How long the case ran, in milliseconds. */
  readonly durationMs: number;
  /** For a failure: the requirement found broken. For an error: the case's first requirement. */
  readonly requirement?: string;
  /** Why the case failed, erred or was skipped, in one line. */
  readonly message?: string;
  /** For a failure or error: what the requirement asks for. */
  readonly expected?: string;
  /** For a failure or error: what the target did instead. */
  readonly actual?: string;
}

/**
 * Thrown by a case when the target breaks a requirement. The message has the
 * form `[ID] what: expected X, actual Y`.
 */
export class AssertionFailure extends TsgiError {
  /** The requirement ID found broken. */
  readonly requirement: string;
  /** What the requirement asks for. */
  readonly expected: string;
  /** What the target did instead. */
  readonly actual: string;

  /**
   * @param requirement - the requirement ID.
   * @param what - the subject, such as `scope.path`.
   * @param expected - what the requirement asks for, formatted for reading.
   * @param actual - what was seen, formatted for reading.
   */
  constructor(requirement: string, what: string, expected: string, actual: string) {
    super(
      ConformanceErrorCode.ASSERTION,
      `[${requirement}] ${what}: expected ${expected}, actual ${actual}`,
    );
    this.requirement = requirement;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Thrown by a case that cannot run against this target; the result is `skipped-unsupported`. */
export class Unsupported extends TsgiError {
  /**
   * @param reason - why, such as `the server does not advertise http.response.file`.
   */
  constructor(reason: string) {
    super(ConformanceErrorCode.UNSUPPORTED, reason);
  }
}

/**
 * The suite could not drive the target: the server did not start, crashed,
 * answered elsewhere, or the command line was wrong. A run that meets one
 * exits with status 2.
 */
export class HarnessError extends TsgiError {
  /** The last lines the server printed, when the suite started it. */
  readonly output: readonly string[];

  /**
   * @param message - what went wrong, in one line.
   * @param output - the server's last output lines, if any.
   */
  constructor(message: string, output: readonly string[] = []) {
    super(ConformanceErrorCode.HARNESS, message);
    this.output = output;
  }
}

const CASE_ID = /^[a-z0-9]+(?:[.-][a-z0-9]+)+$/;
const REQUIREMENT_ID = /^[A-Z]+(?:-[A-Z]+)*-\d+$/;

/**
 * Checks a case's declaration and returns it unchanged, so that a mistake in
 * a case file shows when the suite loads rather than in a report.
 *
 * @throws TsgiError when the id, group or requirements are malformed.
 */
export function defineCase<Context>(
  definition: ConformanceCase<Context>,
): ConformanceCase<Context> {
  const where = `conformance case ${JSON.stringify(definition.id)}`;
  if (!CASE_ID.test(definition.id)) {
    throw new TsgiError(
      'ERR_TSGI_INVALID_ARGUMENT',
      `${where}: the id is not a dotted lowercase name`,
    );
  }
  if (!definition.id.startsWith(`${definition.group}.`)) {
    throw new TsgiError(
      'ERR_TSGI_INVALID_ARGUMENT',
      `${where}: the id does not start with its group`,
    );
  }
  if (definition.requirements.length === 0) {
    throw new TsgiError('ERR_TSGI_INVALID_ARGUMENT', `${where}: no requirement`);
  }
  for (const id of definition.requirements) {
    if (!REQUIREMENT_ID.test(id)) {
      throw new TsgiError('ERR_TSGI_INVALID_ARGUMENT', `${where}: ${id} is not a requirement ID`);
    }
  }
  return definition;
}

/** Defines several cases of one group at once; see {@link defineCase}. */
export function defineGroup<Context>(
  group: string,
  cases: readonly Omit<ConformanceCase<Context>, 'group'>[],
): ConformanceCase<Context>[] {
  return cases.map((definition) => defineCase({ ...definition, group }));
}
