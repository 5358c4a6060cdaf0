#!/usr/bin/env node
/**
 * The `tsgi` command line: `tsgi serve APP [options]`, `tsgi --help`,
 * `tsgi --version`.
 *
 * A mistake in the command (an unknown option, a bad value, a missing module
 * or export, an address in use) prints one line to standard error and exits
 * with status 2; a failure of the app or the runtime exits with status 1.
 *
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TSGI_VERSION } from 'tsgi';
import { formatMainHelp, formatServeHelp } from './config/help.js';
import { closestMatch } from './config/suggest.js';
import { getLogger } from './log/logger.js';
import { ExitCode, exitCodeFor, oneLine } from './process/exit.js';
import { startServer } from './process/run.js';

/** Where the CLI writes, replaceable in tests. */
export interface CliIo {
  /** Standard output. */
  stdout: (text: string) => void;
  /** Standard error. */
  stderr: (text: string) => void;
}

/** Extra settings for embedding the CLI. */
export interface CliExtras {
  /** Output streams. */
  io?: CliIo;
}

const COMMANDS = ['serve', 'help'];

/** The version of this package. */
export function serverVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function hasHelpFlag(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}

/**
 * Runs the CLI with `args` (the arguments after `tsgi`) and resolves with the
 * exit status. `tsgi serve` resolves only once the server has stopped.
 */
export async function main(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  extras: CliExtras = {},
): Promise<number> {
  const io: CliIo = extras.io ?? {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  const fail = (message: string, code: number = ExitCode.USAGE) => {
    io.stderr(`tsgi: ${message}\n`);
    return code;
  };
  const [command, ...rest] = args;
  if (command === undefined) {
    io.stderr(formatMainHelp());
    return ExitCode.USAGE;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    io.stdout(rest[0] === 'serve' ? formatServeHelp() : formatMainHelp());
    return ExitCode.OK;
  }
  if (command === '-V' || command === '--version') {
    io.stdout(`tsgi ${serverVersion()} (TSGI ${TSGI_VERSION}, node ${process.versions.node})\n`);
    return ExitCode.OK;
  }
  if (command !== 'serve') {
    const guess = closestMatch(command, COMMANDS);
    const what = command.startsWith('-') ? 'option' : 'command';
    return fail(
      `unknown ${what} ${command}${guess ? `; did you mean ${guess}?` : ';'} See tsgi --help`,
    );
  }
  if (hasHelpFlag(rest)) {
    io.stdout(formatServeHelp());
    return ExitCode.OK;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({}, { env, argv: rest });
  } catch (error) {
    const code = exitCodeFor(error);
    // The stack helps with an app that throws; it goes to the log at debug level.
    getLogger().debug('startup failed', error);
    getLogger().flush();
    return fail(oneLine(error), code);
  }
  return server.finished;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`tsgi: ${oneLine(error)}\n`);
      process.exit(ExitCode.FAILURE);
    },
  );
}
