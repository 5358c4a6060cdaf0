/**
 * The report of a suite run, which every reporter formats, and the exit
 * status it maps to.
 *
 * @module
 */

import { CASE_STATUSES, type CaseResult, type CaseStatus, type HarnessError } from './case.js';

/** Exit statuses of the command line. */
export const ExitStatus = {
  /** Every case passed or was skipped (warnings allowed). */
  PASS: 0,
  /** At least one case failed or erred. */
  FAIL: 1,
  /** The suite could not drive the target: the server did not start or crashed, or the usage was wrong. */
  HARNESS: 2,
} as const;

/** One of the values of {@link ExitStatus}. */
export type ExitStatusValue = (typeof ExitStatus)[keyof typeof ExitStatus];

/** Counts of results by status. */
export type Summary = Record<CaseStatus, number> & {
  /** All results. */
  total: number;
};

/** What ended a run early. */
export interface HarnessProblem {
  /** What went wrong, in one line. */
  readonly message: string;
  /** The server's last output lines, if the suite started it. */
  readonly output: readonly string[];
}

/** The report of one run. */
export interface SuiteReport {
  /** What was tested: a `server`, or an `app` (application). */
  readonly mode: 'server' | 'app';
  /** The spec version the suite checks. */
  readonly specVersion: string;
  /** The target, such as `127.0.0.1:8080`, and the command that started it, if any. */
  readonly target: string;
  /** The command line the suite ran the server with, when it started it. */
  readonly command: string | null;
  /** When the run started, ISO 8601. */
  readonly startedAt: string;
  /** How long the run took, in milliseconds. */
  readonly durationMs: number;
  /** One result per case. */
  readonly results: readonly CaseResult[];
  /** Counts by status. */
  readonly summary: Summary;
  /** What ended the run early, if anything. */
  readonly harnessError: HarnessProblem | null;
  /** The exit status the command line ends with. */
  readonly exitStatus: ExitStatusValue;
}

/** Counts results by status. */
export function summarize(results: readonly CaseResult[]): Summary {
  const summary = { total: results.length } as Summary;
  for (const status of CASE_STATUSES) summary[status] = 0;
  for (const result of results) summary[result.status] += 1;
  return summary;
}

/** The exit status for a run's results. */
export function exitStatusOf(
  results: readonly CaseResult[],
  harnessError: HarnessError | null,
): ExitStatusValue {
  if (harnessError !== null) return ExitStatus.HARNESS;
  return results.some((result) => result.status === 'fail' || result.status === 'error')
    ? ExitStatus.FAIL
    : ExitStatus.PASS;
}

/** Builds a report. */
export function buildReport(input: {
  mode?: 'server' | 'app';
  target: string;
  command: string | null;
  specVersion: string;
  startedAt: Date;
  results: readonly CaseResult[];
  harnessError: HarnessError | null;
}): SuiteReport {
  return {
    mode: input.mode ?? 'server',
    specVersion: input.specVersion,
    target: input.target,
    command: input.command,
    startedAt: input.startedAt.toISOString(),
    durationMs: Date.now() - input.startedAt.getTime(),
    results: input.results,
    summary: summarize(input.results),
    harnessError:
      input.harnessError === null
        ? null
        : { message: input.harnessError.message, output: input.harnessError.output },
    exitStatus: exitStatusOf(input.results, input.harnessError),
  };
}
