/**
 * The programmatic interface of the suite, for a server's own test run:
 *
 * ```ts
 * import { runServerSuite } from '@tsgi/conformance';
 *
 * const report = await runServerSuite({ command: 'node my-server.js --app {app} --port {port}' });
 * assert.equal(report.exitStatus, 0, report.formatted);
 * ```
 *
 * and for an application's or a framework's own test run, in process:
 *
 * ```ts
 * import { runAppSuite } from '@tsgi/conformance';
 *
 * const report = await runAppSuite({ app: './dist/app.js:app', paths: ['/', '/items?page=2'] });
 * assert.equal(report.exitStatus, 0, report.formatted);
 * ```
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TSGI_VERSION } from 'tsgi';
import { type Capabilities, detectCapabilities, lackOf } from './capabilities.js';
import { type CaseResult, type ConformanceCase, type Facility, HarnessError } from './case.js';
import { serverCases } from './cases/server/index.js';
import { pingProbe } from './readiness.js';
import { buildReport, type SuiteReport } from './report.js';
import { type ReporterName, reporters } from './reporters/index.js';
import { runCases, selectCases } from './runner.js';
import { ServerContext, type ServerEnvironment } from './server-context.js';
import { type ServerProcess, startServer, templateProblem } from './server-process.js';
import { describeTarget, type Target, targetFromUrl } from './target.js';

export {
  type AppSuiteOptions,
  type AppSuiteResult,
  listAppCases,
  runAppSuite,
} from './app/suite.js';

/** Options of {@link runServerSuite}. */
export interface ServerSuiteOptions {
  /**
   * A shell command that starts the server under test, with `{app}` (the
   * probe app as `/abs/path/app.js:app`) and `{port}` or `{uds}`; optionally
   * `{host}` (always `127.0.0.1`) and `{rootPath}` (then the server must
   * mount the app there).
   */
  readonly command?: string;
  /** The URL of a server already running the probe app (see {@link probeAppReference}). */
  readonly url?: string;
  /** With `url`: the mount point the server serves the probe under. */
  readonly rootPath?: string;
  /** Runs only the cases whose id, title or requirement IDs match. */
  readonly grep?: string | RegExp;
  /** How `formatted` is written. Defaults to `table`. */
  readonly reporter?: ReporterName;
  /** The time limit of a case that sets none, in milliseconds. */
  readonly timeoutMs?: number;
  /** How long to wait for a started server to answer, in milliseconds. */
  readonly startupTimeoutMs?: number;
  /** How many cases may run at once. Defaults to 1. */
  readonly concurrency?: number;
  /** More environment variables for the started server. */
  readonly env?: Readonly<Record<string, string>>;
  /** The working directory of the command. */
  readonly cwd?: string;
  /** With `command`: the server speaks TLS on its port (any certificate is accepted). */
  readonly tls?: boolean;
  /** The probe module to put in for `{app}`, instead of the one of this package. */
  readonly probeModule?: string;
  /** Called with each result as soon as it is known. */
  readonly onResult?: (result: CaseResult) => void;
}

/** What {@link runServerSuite} yields: the report and its formatted text. */
export interface ServerSuiteResult extends SuiteReport {
  /** The report, formatted by the chosen reporter. */
  readonly formatted: string;
}

/** The absolute path of the probe app module of this package. */
export function probeModulePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, 'probe', 'app.js');
  if (existsSync(built)) return built;
  // Running from the TypeScript sources (tests): prefer the build, else the source.
  const fromSource = join(here, '..', 'dist', 'probe', 'app.js');
  if (existsSync(fromSource)) return fromSource;
  return join(here, 'probe', 'app.ts');
}

/** The probe app as a server loads it: `/abs/path/app.js:app`. */
export function probeAppReference(): string {
  return `${probeModulePath()}:app`;
}

/** The server cases, for listing. */
export function listServerCases(grep?: string | RegExp): ConformanceCase<ServerContext>[] {
  return selectCases(serverCases, toRegExp(grep));
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

/** Checks that the probe app answers at a URL given with `--url`. */
async function expectProbe(resolved: Target, url: string): Promise<void> {
  const ping = await pingProbe(resolved, 5000);
  if (ping.kind === 'refused') throw new HarnessError(`nothing answers at ${url}: ${ping.detail}`);
  if (ping.kind === 'foreign') {
    throw new HarnessError(
      `${url} answers, but not with the probe app (serve ${probeAppReference()}): ${ping.detail}`,
    );
  }
}

function finish(
  options: ServerSuiteOptions,
  input: Parameters<typeof buildReport>[0],
): ServerSuiteResult {
  const report = buildReport(input);
  return { ...report, formatted: reporters[options.reporter ?? 'table'](report) };
}

/**
 * Runs the server cases against a server the suite starts (`command`) or one
 * already running (`url`). Never throws for a problem of the server: a
 * server that does not start or dies is reported with exit status 2.
 */
export async function runServerSuite(options: ServerSuiteOptions): Promise<ServerSuiteResult> {
  const startedAt = new Date();
  const base = { specVersion: TSGI_VERSION, startedAt, results: [] as CaseResult[] };
  const probeModule = options.probeModule ?? probeModulePath();
  let server: ServerProcess | null = null;
  let target: string = options.url ?? 'a server started by the suite';
  try {
    const grep = toRegExp(options.grep);
    if ((options.command === undefined) === (options.url === undefined)) {
      throw new HarnessError('give exactly one of a command and a url');
    }
    let environment: ServerEnvironment;
    if (options.command !== undefined) {
      const command = options.command;
      const problem = templateProblem(command);
      if (problem !== null) throw new HarnessError(problem);
      const start = (extra: {
        app: string;
        env?: Readonly<Record<string, string>>;
        waitReady?: boolean;
      }) =>
        startServer({
          command,
          app: extra.app,
          env: { ...options.env, ...extra.env },
          cwd: options.cwd,
          startupTimeoutMs: options.startupTimeoutMs,
          waitReady: extra.waitReady,
          tls: options.tls,
        });
      server = await start({ app: `${probeModule}:app` });
      target = describeTarget(server.target);
      environment = { target: server.target, server, launch: start, probeModule };
    } else {
      const resolved = targetFromUrl(options.url as string, options.rootPath);
      target = describeTarget(resolved);
      await expectProbe(resolved, options.url as string);
      environment = { target: resolved, server: null, launch: null, probeModule };
    }
    const running = server;
    let lost: HarnessError | null = null;
    const facilities = new Set<Facility>(running === null ? [] : ['process']);
    let capabilities: Promise<Capabilities> | null = null;
    const outcome = await runCases({
      cases: selectCases(serverCases, grep),
      createContext: () => new ServerContext(environment),
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
      facilities,
      lacks: async (capability) => {
        capabilities ??= detectCapabilities(environment);
        return lackOf(await capabilities, capability);
      },
      health: () => {
        if (lost !== null) return lost;
        const exit = running?.exitStatus ?? null;
        if (running === null || exit === null) return null;
        return new HarnessError(
          `the server exited during the run (${exit.signal ?? `exit status ${exit.code}`})`,
          running.tail(),
        );
      },
      afterError: async () => {
        if (running !== null) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          return;
        }
        const ping = await pingProbe(environment.target, 2000);
        if (ping.kind !== 'ok')
          lost = new HarnessError(`the server at ${target} stopped answering: ${ping.detail}`);
      },
      onResult: options.onResult,
    });
    return finish(options, {
      ...base,
      target,
      command: running?.commandLine ?? null,
      results: outcome.results,
      harnessError: outcome.harnessError,
    });
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    return finish(options, {
      ...base,
      target,
      command: server?.commandLine ?? null,
      harnessError: error,
    });
  } finally {
    await server?.stop();
  }
}
