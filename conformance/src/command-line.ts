/**
 * The `tsgi-conformance` command line, as a function: it parses the
 * arguments, runs the suite and returns the exit status, writing through the
 * given streams. The `bin` entry (`cli.ts`) calls it with the process's own.
 *
 * ```text
 * tsgi-conformance server --command "node server.js --app {app} --port {port}"
 * tsgi-conformance server --url http://127.0.0.1:8000
 * tsgi-conformance server --list
 * tsgi-conformance app dist/app.js:app --path / --path /items --ws-path /chat
 * tsgi-conformance app --list
 * tsgi-conformance probe
 * ```
 *
 * Exit status: 0 when every case passed (skips and warnings allowed), 1 when
 * a case failed or erred, 2 when the suite could not drive the server or
 * load the application, or the command line was wrong.
 *
 * @module
 */

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  listAppCases,
  listServerCases,
  probeAppReference,
  runAppSuite,
  runServerSuite,
} from './api.js';
import { type ConformanceCase, HarnessError } from './case.js';
import { ExitStatus, type SuiteReport } from './report.js';
import { isReporterName, type ReporterName } from './reporters/index.js';
import { formatTable, statusLabel } from './reporters/table.js';

const USAGE = `Usage:
  tsgi-conformance server --command "<command with {app} and {port} or {uds}>" [options]
  tsgi-conformance server --url <http(s)://host:port[/mount]> [options]
  tsgi-conformance server --list [--grep <regex>]
  tsgi-conformance probe          print the probe app reference to serve for --url
  tsgi-conformance app <path/to/module.js[:export]> [options]
  tsgi-conformance app --list [--grep <regex>]

Command placeholders:
  {app}        the probe app, as /abs/path/probe/app.js:app
  {port}       a free TCP port on 127.0.0.1     {uds}   a unix socket path instead
  {host}       127.0.0.1                         {rootPath}  a mount point to serve the app under

Options:
  --grep <regex>          run only cases whose id, title or requirement IDs match
  --reporter <name>       table (default), json, junit or tap
  --output <file>         write the report there, and a table to stdout
  --timeout <ms>          time limit of a case without its own (default 10000)
  --startup-timeout <ms>  how long to wait for the server to answer (default 20000)
  --concurrency <n>       cases run at once (default 1, at most 8)
  --root-path <path>      with --url: the mount point the probe is served under
  --tls                   with --command: the server speaks TLS (any certificate is accepted)
  --quiet                 no progress lines on stderr
  --help                  this text

App options (the suite plays a strict server to the application, in process):
  --path <target>         a request target HTTP cases use, repeatable (default /)
  --ws-path <target>      a target WebSocket cases connect to, repeatable (default /)
  --header "<name>: <value>"  a header sent with every request, repeatable
  --response-timeout <ms> how long a response may take before the client leaves (default 2000)
  --settle-timeout <ms>   how long the app has to settle once the client left (default 1000)
  --lifespan-timeout <ms> how long the app has to answer lifespan events (default 5000)
  (and --grep, --reporter, --output, --timeout, --concurrency, --quiet as above)

Exit status: 0 all passed (skips and warnings allowed), 1 a case failed, 2 the server
could not be driven (did not start, crashed, answered elsewhere), the application
could not be loaded, or bad usage.
`;

/** A command line the suite cannot make sense of; exit status 2. */
class UsageError extends HarnessError {}

/** Where the command line writes. */
export interface CommandLineOutput {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new UsageError(`${name} must be a positive integer, not ${JSON.stringify(value)}`);
  return number;
}

async function server(args: string[], io: CommandLineOutput): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      command: { type: 'string' },
      url: { type: 'string' },
      grep: { type: 'string' },
      reporter: { type: 'string' },
      output: { type: 'string' },
      timeout: { type: 'string' },
      'startup-timeout': { type: 'string' },
      concurrency: { type: 'string' },
      'root-path': { type: 'string' },
      tls: { type: 'boolean' },
      list: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return ExitStatus.PASS;
  }
  const reporter = checkSelection(values.grep, values.reporter);
  if (values.list) {
    printList(listServerCases(values.grep), reporter, io);
    return ExitStatus.PASS;
  }
  if ((values.command === undefined) === (values.url === undefined)) {
    throw new UsageError('give exactly one of --command and --url');
  }
  if (values.tls === true && values.command === undefined) {
    throw new UsageError('--tls goes with --command; with --url, use an https URL');
  }
  if (values['root-path'] !== undefined && values.url === undefined) {
    throw new UsageError(
      '--root-path goes with --url; with --command, put {rootPath} in the command',
    );
  }
  const quiet = values.quiet === true;
  const report = await runServerSuite({
    command: values.command,
    url: values.url,
    rootPath: values['root-path'],
    tls: values.tls,
    grep: values.grep,
    reporter,
    timeoutMs: integer(values.timeout, '--timeout'),
    startupTimeoutMs: integer(values['startup-timeout'], '--startup-timeout'),
    concurrency: integer(values.concurrency, '--concurrency'),
    onResult: quiet
      ? undefined
      : (result) => io.stderr(`${statusLabel(result.status).padEnd(5)} ${result.id}\n`),
  });
  writeReport(report, reporter, values.output, io);
  return report.exitStatus;
}

/** Checks `--grep` and `--reporter`, and returns the reporter's name. */
function checkSelection(grep: string | undefined, name: string | undefined): ReporterName {
  if (grep !== undefined) {
    try {
      new RegExp(grep);
    } catch (error) {
      throw new UsageError(
        `--grep ${JSON.stringify(grep)} is not a regular expression: ${(error as Error).message}`,
      );
    }
  }
  const reporter = name ?? 'table';
  if (!isReporterName(reporter))
    throw new UsageError(
      `--reporter must be table, json, junit or tap, not ${JSON.stringify(reporter)}`,
    );
  return reporter;
}

/** Prints the cases of `--list`: one line each, or JSON. */
function printList<Context>(
  cases: readonly ConformanceCase<Context>[],
  reporter: ReporterName,
  io: CommandLineOutput,
): void {
  if (reporter === 'json') {
    const list = cases.map(({ id, group, title, requirements, level, needs, requires }) => ({
      id,
      group,
      title,
      requirements,
      level: level ?? 'MUST',
      needs,
      requires,
    }));
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  for (const definition of cases) {
    const needs = definition.needs === undefined ? '' : ` (needs ${definition.needs})`;
    io.stdout(
      `${definition.id}  [${definition.requirements.join(', ')}]  ${definition.title}${needs}\n`,
    );
  }
  io.stdout(`${cases.length} cases\n`);
}

/** Writes a report: to `--output` in the chosen format and a table to stdout, or all to stdout. */
function writeReport(
  report: SuiteReport & { readonly formatted: string },
  reporter: ReporterName,
  output: string | undefined,
  io: CommandLineOutput,
): void {
  if (output === undefined) {
    io.stdout(report.formatted);
    return;
  }
  writeFileSync(output, report.formatted);
  io.stdout(reporter === 'table' ? report.formatted : formatTable(report));
}

/** Reads a `--header "name: value"` option. */
function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
    throw new UsageError(`--header ${JSON.stringify(text)} is not "name: value"`);
  }
  return [name, text.slice(colon + 1).trim()];
}

async function app(args: string[], io: CommandLineOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      path: { type: 'string', multiple: true },
      'ws-path': { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      grep: { type: 'string' },
      reporter: { type: 'string' },
      output: { type: 'string' },
      timeout: { type: 'string' },
      'response-timeout': { type: 'string' },
      'settle-timeout': { type: 'string' },
      'lifespan-timeout': { type: 'string' },
      concurrency: { type: 'string' },
      list: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return ExitStatus.PASS;
  }
  const reporter = checkSelection(values.grep, values.reporter);
  if (values.list) {
    printList(listAppCases(values.grep), reporter, io);
    return ExitStatus.PASS;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'no application given: tsgi-conformance app path/to/module.js:export'
        : `one application at a time, not ${positionals.length}`,
    );
  }
  const report = await runAppSuite({
    app: positionals[0] as string,
    paths: values.path,
    wsPaths: values['ws-path'],
    headers: (values.header ?? []).map(header),
    grep: values.grep,
    reporter,
    timeoutMs: integer(values.timeout, '--timeout'),
    responseTimeoutMs: integer(values['response-timeout'], '--response-timeout'),
    settleTimeoutMs: integer(values['settle-timeout'], '--settle-timeout'),
    lifespanTimeoutMs: integer(values['lifespan-timeout'], '--lifespan-timeout'),
    concurrency: integer(values.concurrency, '--concurrency'),
    onResult:
      values.quiet === true
        ? undefined
        : (result) => io.stderr(`${statusLabel(result.status).padEnd(5)} ${result.id}\n`),
  });
  // An application that cannot be loaded is one line, not a report of no cases.
  if (report.harnessError !== null && report.results.length === 0) {
    io.stderr(`tsgi-conformance: ${report.harnessError.message}\n`);
    if (values.output !== undefined) writeFileSync(values.output, report.formatted);
    else if (reporter !== 'table') io.stdout(report.formatted);
    return report.exitStatus;
  }
  writeReport(report, reporter, values.output, io);
  return report.exitStatus;
}

async function dispatch(argv: string[], io: CommandLineOutput): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return server(rest, io);
    case 'probe':
      io.stdout(`${probeAppReference()}\n`);
      return ExitStatus.PASS;
    case 'app':
      return app(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.stdout(USAGE);
      return ExitStatus.PASS;
    default:
      throw new UsageError(
        command === undefined ? 'no command given' : `unknown command ${JSON.stringify(command)}`,
      );
  }
}

/**
 * Runs the command line with `argv` (the arguments after the command name)
 * and resolves with the exit status; it never exits the process itself.
 */
export async function runCommandLine(
  argv: readonly string[],
  io: CommandLineOutput,
): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (
      error instanceof UsageError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr(`tsgi-conformance: ${(error as Error).message}\n\n${USAGE}`);
      return ExitStatus.HARNESS;
    }
    if (error instanceof HarnessError) {
      io.stderr(`tsgi-conformance: ${error.message}\n`);
      return ExitStatus.HARNESS;
    }
    io.stderr(`tsgi-conformance: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return ExitStatus.HARNESS;
  }
}
