/**
 * The few things every contender process shares: where to listen, how to
 * tell the runner it is ready, and how to fail so the runner can report it.
 *
 * Protocol: the runner starts `node contenders/<name>.mjs` with `BENCH_PORT`
 * (0 for an ephemeral port) and a pipe on standard input. The contender
 * listens on 127.0.0.1, then writes one line `READY <port>` to standard
 * output. It exits when standard input closes, so it never outlives the
 * runner, even when the runner is killed.
 */

/** The loopback address every contender listens on. */
export const HOST = '127.0.0.1';

/** The port to listen on; 0 asks the system for a free one. */
export const PORT = Number(process.env.BENCH_PORT ?? 0);

/**
 * Tells the runner the contender is listening.
 *
 * @param {number} port the bound port
 */
export function announce(port) {
  if (!Number.isInteger(port) || port <= 0) fail(`bad bound port ${String(port)}`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  process.stdout.write(`READY ${port}\n`);
}

/**
 * Reports a start-up failure on standard error and exits with status 3.
 *
 * @param {string} message one line
 * @returns {never}
 */
export function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(3);
}

/**
 * Reads a whole `node:http` request body into one buffer.
 *
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<Buffer>}
 */
export function readNodeBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
