/**
 * Runs conformance cases: selects them, runs them one at a time (or a few at
 * once), enforces each case's time limit, and turns what happened into a
 * {@link CaseResult}. A case that hangs fails with its requirement IDs; it
 * never holds up the run.
 *
 * @module
 */

import {
  AssertionFailure,
  type CaseResult,
  type CaseStatus,
  type ConformanceCase,
  type Facility,
  type HarnessError,
  Unsupported,
} from './case.js';

/** The default time limit of a case, in milliseconds. */
export const DEFAULT_CASE_TIMEOUT_MS = 10_000;

/** What a case's context must offer the runner: a way to close what the case opened. */
export interface CaseContext {
  /** Closes everything the case opened; called when the case ends, passed or not. */
  dispose(): Promise<void>;
}

/** Keeps the cases whose id, title or requirement IDs match `grep`. */
export function selectCases<Context>(
  cases: readonly ConformanceCase<Context>[],
  grep?: RegExp,
): ConformanceCase<Context>[] {
  if (grep === undefined) return [...cases];
  return cases.filter(
    (definition) =>
      grep.test(definition.id) ||
      grep.test(definition.title) ||
      definition.requirements.some((id) => grep.test(id)),
  );
}

/** Options of {@link runCases}. */
export interface RunCasesOptions<Context extends CaseContext> {
  /** The cases to run, in order. */
  readonly cases: readonly ConformanceCase<Context>[];
  /** Creates the context of one case. */
  readonly createContext: () => Context;
  /** The time limit of a case that sets none. */
  readonly timeoutMs?: number;
  /** How many cases may run at once; cases marked `exclusive` always run alone. */
  readonly concurrency?: number;
  /** The facilities this run offers. */
  readonly facilities?: ReadonlySet<Facility>;
  /** Tells whether the target has a capability; `null` when it does, else why not. */
  readonly lacks?: (capability: string) => Promise<string | null>;
  /** Reports a problem that ends the run (such as the server having died), or `null`. */
  readonly health?: () => HarnessError | null;
  /** Runs after a case erred, before the next starts: a chance to find out whether the server is still there. */
  readonly afterError?: () => Promise<void>;
  /** Called with each result as soon as it is known. */
  readonly onResult?: (result: CaseResult) => void;
  /** What is under test, for messages such as a timeout's: `the server` unless given. */
  readonly subject?: string;
}

/** What {@link runCases} yields. */
export interface CasesOutcome {
  /** One result per case that ran or was skipped, in the order of the cases. */
  readonly results: CaseResult[];
  /** The problem that ended the run early, if any. */
  readonly harnessError: HarnessError | null;
}

function base<Context>(definition: ConformanceCase<Context>) {
  return {
    id: definition.id,
    group: definition.group,
    title: definition.title,
    requirements: definition.requirements,
    level: definition.level ?? 'MUST',
  } as const;
}

/** Classifies what a case threw. */
export function resultOf<Context>(
  definition: ConformanceCase<Context>,
  outcome: unknown,
  durationMs: number,
): CaseResult {
  const common = { ...base(definition), durationMs };
  if (outcome === undefined) return { ...common, status: 'pass' };
  if (outcome instanceof AssertionFailure) {
    const status: CaseStatus = definition.level === 'SHOULD' ? 'warn' : 'fail';
    return {
      ...common,
      status,
      requirement: outcome.requirement,
      message: outcome.message,
      expected: outcome.expected,
      actual: outcome.actual,
    };
  }
  if (outcome instanceof Unsupported) {
    return { ...common, status: 'skipped-unsupported', message: outcome.message };
  }
  const error = outcome instanceof Error ? outcome : new Error(String(outcome));
  const requirement = definition.requirements[0] as string;
  const code = (error as { code?: unknown }).code;
  const detail = `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  return {
    ...common,
    status: 'error',
    requirement,
    message: `[${requirement}] the case could not complete: ${detail}`,
    expected: 'the exchange to complete so the requirement could be checked',
    actual: detail,
  };
}

/** A promise that never rejects unhandled, for cases still running after their time limit. */
function settle(promise: Promise<void>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error ?? new Error('the case threw a nullish value'),
  );
}

async function runOne<Context extends CaseContext>(
  definition: ConformanceCase<Context>,
  options: RunCasesOptions<Context>,
): Promise<CaseResult> {
  const started = Date.now();
  for (const facility of definition.requires ?? []) {
    if (!options.facilities?.has(facility)) {
      return resultOf(
        definition,
        new Unsupported(`needs the ${facility} facility, which this run does not offer`),
        0,
      );
    }
  }
  if (definition.needs !== undefined && options.lacks !== undefined) {
    const missing = await options.lacks(definition.needs);
    if (missing !== null)
      return resultOf(definition, new Unsupported(missing), Date.now() - started);
  }
  const limit = definition.timeoutMs ?? options.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  const context = options.createContext();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<AssertionFailure>((resolve) => {
    timer = setTimeout(() => {
      const requirement = definition.requirements.join(', ');
      resolve(
        new AssertionFailure(
          requirement,
          `${definition.id} timed out`,
          `the exchange to finish within ${limit} ms`,
          `it was still waiting on ${options.subject ?? 'the server'}`,
        ),
      );
    }, limit);
  });
  let outcome: unknown;
  try {
    outcome = await Promise.race([
      settle(Promise.resolve().then(() => definition.run(context))),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
  // A cleanup that hangs (a server that will not stop) must not hang the run.
  await Promise.race([
    context.dispose(),
    new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
  ]);
  return resultOf(definition, outcome, Date.now() - started);
}

/** Runs cases and collects their results. */
export async function runCases<Context extends CaseContext>(
  options: RunCasesOptions<Context>,
): Promise<CasesOutcome> {
  const results: (CaseResult | undefined)[] = new Array(options.cases.length);
  const width = Math.max(1, Math.min(options.concurrency ?? 1, 8));
  let next = 0;
  let running = 0;
  let exclusiveRunning = false;
  let harnessError: HarnessError | null = null;

  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      if (harnessError === null) harnessError = options.health?.() ?? null;
      while (harnessError === null && next < options.cases.length && !exclusiveRunning) {
        const definition = options.cases[next] as ConformanceCase<Context>;
        if (definition.exclusive === true && running > 0) break;
        if (running >= width) break;
        const index = next;
        next += 1;
        running += 1;
        if (definition.exclusive === true) exclusiveRunning = true;
        void runOne(definition, options)
          .catch((error: unknown) => resultOf(definition, error ?? new Error('unknown failure'), 0))
          .then(async (result) => {
            results[index] = result;
            options.onResult?.(result);
            // A case that erred may have met a dying server: let that be noticed first.
            if (result.status === 'error') await options.afterError?.();
          })
          .finally(() => {
            running -= 1;
            if (definition.exclusive === true) exclusiveRunning = false;
            pump();
          });
      }
      if (running === 0 && (next >= options.cases.length || harnessError !== null)) resolveAll();
    };
    pump();
  });

  return {
    results: results.filter((result): result is CaseResult => result !== undefined),
    harnessError,
  };
}
