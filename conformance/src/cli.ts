#!/usr/bin/env node
/**
 * The `tsgi-conformance` executable: runs the command line with the
 * process's arguments and streams, then exits with its status.
 *
 * ```text
 * tsgi-conformance server --command "node server.js --app {app} --port {port}"
 * tsgi-conformance server --url http://127.0.0.1:8000
 * tsgi-conformance server --list
 * tsgi-conformance app dist/app.js:app --path / --ws-path /chat
 * tsgi-conformance probe
 * ```
 *
 * @module
 */

import { runCommandLine } from './command-line.js';

// In app mode the application runs in this process: a promise it leaves
// rejected, or a throw from one of its timers, must not end the run.
if (process.argv[2] === 'app') {
  const report = (what: string) => (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`tsgi-conformance: the application ${what}: ${text.split('\n')[0]}\n`);
  };
  process.on('unhandledRejection', report('left a promise rejection unhandled'));
  process.on('uncaughtException', report('threw outside any call'));
}

// A signal ends the run; the exit hook of the server module stops the server's process group.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

const status = await runCommandLine(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
// Exit at once: a run must end by itself even if a server left a socket open.
process.exit(status);
