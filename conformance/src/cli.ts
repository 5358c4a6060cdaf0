#!/usr/bin/env node
/**
 * The `tsgi-conformance` executable: runs the command line with the
 * process's arguments and streams, then exits with its status.
 *
 * ```text
 * tsgi-conformance server --command "node server.js --app {app} --port {port}"
 * tsgi-conformance server --url http://127.0.0.1:8000
 * tsgi-conformance server --list
 * tsgi-conformance probe
 * ```
 *
 * @module
 */

import { runCommandLine } from './command-line.js';

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
