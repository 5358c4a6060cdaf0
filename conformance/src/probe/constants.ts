/**
 * Values the probe app sends and the cases expect, kept in one place so that
 * the two cannot drift apart.
 *
 * @module
 */

/** What `/_probe/ping` answers with, so the suite knows the probe is up. */
export const PROBE_NAME = 'tsgi-conformance-probe';

/** The header that overrides the route taken from the path. */
export const ROUTE_HEADER = 'x-probe-route';

/** The header that names an exchange. */
export const TOKEN_HEADER = 'x-probe-token';

/** The response headers `/headers-out` sends, in this order. */
export const HEADERS_OUT: readonly (readonly [string, string])[] = [
  ['x-probe-b', '1'],
  ['set-cookie', 'a=1; Path=/'],
  ['x-probe-a', 'two'],
  ['set-cookie', 'b=2; Path=/; HttpOnly'],
  ['x-probe-b', '3'],
  ['x-probe-spacing', 'a  b,c ;d'],
  ['x-probe-latin1', 'caf\u00e9'],
  ['content-type', 'text/plain'],
  ['content-length', '2'],
];

/** The body `/headers-out` sends. */
export const HEADERS_OUT_BODY = 'ok';

/** The body of a `/head` response to GET; HEAD gets its length only. */
export const HEAD_BODY = 'hello world';

/** The string `/string-body` sends: `é` and a lone surrogate. */
export const STRING_BODY = '\u00e9\ud800';

/** The UTF-8 bytes of {@link STRING_BODY}, the lone surrogate as U+FFFD. */
export const STRING_BODY_BYTES: readonly number[] = [0xc3, 0xa9, 0xef, 0xbf, 0xbd];

/** The size of the file `/file` serves. */
export const FILE_SIZE = 4096;

/** The byte at `index` of the file `/file` serves. */
export function fileByte(index: number): number {
  return (index * 7 + 3) % 251;
}

/** The content of chunk `index` of `/stream` (a run of one letter). */
export function streamChunk(index: number, size: number): string {
  return String.fromCharCode(97 + (index % 26)).repeat(size);
}

/** The trailer field `/trailers` sends. */
export const TRAILER: readonly [string, string] = ['x-probe-checksum', 'c0ffee'];

/** The link headers `/early-hints` sends, one per 103 response. */
export const EARLY_HINTS: readonly string[] = [
  '</probe.css>; rel=preload; as=style',
  '</probe.js>; rel=preload; as=script',
];

/** The text `/ws/bad-event` tries to send after a refusal; it must never reach the client. */
export const AFTER_REFUSAL = 'sent after a refusal';

/** The denial body `/ws/bad-event` tries to send after a refusal while denying. */
export const DENIAL_AFTER_REFUSAL = 'denied after a refusal';

/** The state the probe's lifespan startup puts into `scope.state`. */
export const LIFESPAN_STATE = { probe: PROBE_NAME, answer: 42 } as const;

// The environment variables the probe reads. None starts with `TSGI_`, which
// servers may keep for their own settings (and warn about when unknown).

/** The environment variable that names the probe's log file. */
export const LOG_ENV = 'CONFORMANCE_PROBE_LOG';

/** The environment variable that sets the probe's lifespan behaviour. */
export const LIFESPAN_ENV = 'CONFORMANCE_PROBE_LIFESPAN';

/** The environment variable carrying the nonce the probe reports from `/_probe/ping`. */
export const INSTANCE_ENV = 'CONFORMANCE_PROBE_INSTANCE';

/**
 * The environment variable naming the records folder: a folder shared by
 * every process of the server under test, where the probe keeps what the
 * suite asks for later. A server that runs the probe in several processes
 * needs it; without it, the records stay in the memory of each process.
 */
export const RECORDS_ENV = 'CONFORMANCE_PROBE_RECORDS';

/** The environment variable with the pause (ms) before the probe completes lifespan startup. */
export const STARTUP_DELAY_ENV = 'CONFORMANCE_PROBE_STARTUP_DELAY_MS';

/**
 * How the probe plays lifespan, chosen with {@link LIFESPAN_ENV}:
 * - `normal`: startup fills the state and completes; shutdown completes.
 * - `fail-startup`: answers `lifespan.startup.failed` with a message.
 * - `throw-startup`: throws during startup.
 * - `return-startup`: returns during startup without answering.
 * - `unsupported-throw`: throws before its first `receive()`, as an HTTP-only app does.
 * - `unsupported-return`: returns before its first `receive()`.
 */
export type LifespanMode =
  | 'normal'
  | 'fail-startup'
  | 'throw-startup'
  | 'return-startup'
  | 'unsupported-throw'
  | 'unsupported-return';

/** The message of a failed or thrown startup; the nonce makes it unmistakable in server output. */
export function startupFailureMessage(nonce: string): string {
  return `probe startup refused (${nonce})`;
}
