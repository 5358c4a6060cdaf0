/**
 * The application mode as a function: loads the application, plays a strict
 * server to it in process through the `tsgi` harness, runs the application
 * cases and builds the same report as the server mode.
 *
 * @module
 */

import type { Application, HeaderList } from 'tsgi';
import { TSGI_VERSION } from 'tsgi';
import { type CaseResult, type ConformanceCase, HarnessError } from '../case.js';
import { appCases } from '../cases/app/index.js';
import { buildReport, type SuiteReport } from '../report.js';
import { type ReporterName, reporters } from '../reporters/index.js';
import { runCases, selectCases } from '../runner.js';
import { AppContext, AppEnvironment } from './context.js';
import { loadApplication } from './load.js';
import { type AppLimits, DEFAULT_APP_LIMITS } from './settings.js';

/** Options of {@link runAppSuite}. */
export interface AppSuiteOptions {
  /**
   * The application: `path/to/module.js:export` (the default export without
   * `:export`; a path relative to `cwd`, or absolute), or the function itself.
   */
  readonly app: string | Application;
  /** The directory a relative module path starts from. Defaults to the process's. */
  readonly cwd?: string;
  /** The request targets HTTP cases use, each a path with an optional query. Defaults to `["/"]`. */
  readonly paths?: readonly string[];
  /** The targets WebSocket cases open connections to. Defaults to `["/"]`. */
  readonly wsPaths?: readonly string[];
  /** Headers added to every request and handshake, such as credentials. */
  readonly headers?: readonly (readonly [name: string, value: string])[];
  /** Runs only the cases whose id, title or requirement IDs match. */
  readonly grep?: string | RegExp;
  /** How `formatted` is written. Defaults to `table`. */
  readonly reporter?: ReporterName;
  /** The time limit of a case, in milliseconds; by default, enough for every exchange of a case. */
  readonly timeoutMs?: number;
  /** How long a response may take before the client leaves; see `AppLimits`. Default 2000. */
  readonly responseTimeoutMs?: number;
  /** How long the application has to settle once the client left. Default 1000. */
  readonly settleTimeoutMs?: number;
  /** How long the application has to answer lifespan startup and shutdown. Default 5000. */
  readonly lifespanTimeoutMs?: number;
  /** How many cases may run at once. Defaults to 1. */
  readonly concurrency?: number;
  /** Called with each result as soon as it is known. */
  readonly onResult?: (result: CaseResult) => void;
}

/** What {@link runAppSuite} yields: the report and its formatted text. */
export interface AppSuiteResult extends SuiteReport {
  /** The report, formatted by the chosen reporter. */
  readonly formatted: string;
}

function toRegExp(grep: string | RegExp | undefined): RegExp | undefined {
  if (grep === undefined || grep instanceof RegExp) return grep;
  try {
    return new RegExp(grep, 'i');
  } catch (error) {
    throw new HarnessError(
      `--grep ${JSON.stringify(grep)} is not a regular expression: ${(error as Error).message}`,
    );
  }
}

function checkTargets(targets: readonly string[], option: string): readonly string[] {
  if (targets.length === 0) throw new HarnessError(`${option}: give at least one target`);
  for (const target of targets) {
    if (!target.startsWith('/')) {
      throw new HarnessError(
        `${option} ${JSON.stringify(target)}: a target starts with "/", such as /items?page=2`,
      );
    }
  }
  return targets;
}

function checkLimit(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new HarnessError(`${option} must be a positive number of milliseconds`);
  }
  return value;
}

/** The application cases, for listing. */
export function listAppCases(grep?: string | RegExp): ConformanceCase<AppContext>[] {
  return selectCases(appCases, toRegExp(grep));
}

/**
 * Runs the application cases against an application, in process. Never
 * throws for a problem of the application: one that cannot be loaded is
 * reported with exit status 2, and a broken one with failed cases.
 *
 * @param options - the application and how to drive it.
 */
export async function runAppSuite(options: AppSuiteOptions): Promise<AppSuiteResult> {
  const startedAt = new Date();
  const reporter = reporters[options.reporter ?? 'table'];
  const given = options.app;
  const target =
    typeof given === 'string'
      ? given
      : `the application ${given.name === '' ? '(anonymous)' : given.name}`;
  const finish = (
    results: readonly CaseResult[],
    harnessError: HarnessError | null,
  ): AppSuiteResult => {
    const report = buildReport({
      mode: 'app',
      target,
      command: null,
      specVersion: TSGI_VERSION,
      startedAt,
      results,
      harnessError,
    });
    return { ...report, formatted: reporter(report) };
  };
  let environment: AppEnvironment | null = null;
  try {
    const grep = toRegExp(options.grep);
    const limits: AppLimits = {
      responseTimeoutMs: checkLimit(
        options.responseTimeoutMs,
        DEFAULT_APP_LIMITS.responseTimeoutMs,
        '--response-timeout',
      ),
      settleTimeoutMs: checkLimit(
        options.settleTimeoutMs,
        DEFAULT_APP_LIMITS.settleTimeoutMs,
        '--settle-timeout',
      ),
      lifespanTimeoutMs: checkLimit(
        options.lifespanTimeoutMs,
        DEFAULT_APP_LIMITS.lifespanTimeoutMs,
        '--lifespan-timeout',
      ),
      lateWindowMs: DEFAULT_APP_LIMITS.lateWindowMs,
    };
    const paths = checkTargets(options.paths ?? ['/'], '--path');
    const wsPaths = checkTargets(options.wsPaths ?? ['/'], '--ws-path');
    const app =
      typeof given === 'string'
        ? await loadApplication(given, options.cwd ?? process.cwd())
        : given;
    if (typeof app !== 'function') {
      throw new HarnessError(`the application is not a function (it is ${typeof app})`);
    }
    const headers: HeaderList = (options.headers ?? []).map(([name, value]) => [name, value]);
    const env = new AppEnvironment({ app, paths, wsPaths, headers, limits });
    environment = env;
    // Enough for the longest case to give up on every exchange in turn.
    const perExchange = limits.responseTimeoutMs + limits.settleTimeoutMs + limits.lateWindowMs;
    const timeoutMs =
      options.timeoutMs ??
      (perExchange + 100) * 8 * Math.max(paths.length, wsPaths.length) + limits.lifespanTimeoutMs;
    const outcome = await runCases({
      cases: selectCases(appCases, grep),
      createContext: () => new AppContext(env),
      timeoutMs,
      concurrency: options.concurrency,
      lacks: (capability) => env.lacks(capability),
      onResult: options.onResult,
      subject: 'the application',
    });
    return finish(outcome.results, outcome.harnessError);
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    return finish([], error);
  } finally {
    await environment?.end();
  }
}
