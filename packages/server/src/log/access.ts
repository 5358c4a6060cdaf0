/**
 * The access log: one line per request or WebSocket in the Common or Combined
 * Log Format (each ending with the duration in microseconds, like Apache's
 * `%D`) or as JSON.
 *
 * @module
 */
import type { HttpScope, WebSocketScope } from 'tsgi';
import type { AccessLogFormat } from '../options.js';
import { type LogClock, sharedClock } from './clock.js';
import { FileSink, type LineSink } from './sink.js';

function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || code === 0x7f) return true;
  }
  return false;
}

function escapeQuoted(text: string): string {
  if (!needsEscape(text)) return text;
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out;
}

function header(scope: HttpScope | WebSocketScope, name: string): string | undefined {
  const headers = scope.headers;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!;
    if (pair[0] === name) return pair[1];
  }
  return undefined;
}

/** Writes access log lines. */
export class AccessLogger {
  /** The line format. */
  readonly format: AccessLogFormat;
  private readonly sink: LineSink;
  private readonly clock: LogClock;

  /**
   * @param sink - where lines go.
   * @param format - common, combined or json.
   * @param clock - the timestamp source.
   */
  constructor(sink: LineSink, format: AccessLogFormat = 'combined', clock: LogClock = sharedClock) {
    this.sink = sink;
    this.format = format;
    this.clock = clock;
  }

  /**
   * Logs one finished request or WebSocket session.
   *
   * @param scope - the scope the app was called with.
   * @param status - the status sent (101 for an accepted WebSocket), or 0 when none was.
   * @param bytes - response body bytes sent.
   * @param durationMs - time from the request's arrival to the end of the response, in milliseconds.
   */
  log(scope: HttpScope | WebSocketScope, status: number, bytes: number, durationMs: number): void {
    this.sink.write(this.formatLine(scope, status, bytes, durationMs));
  }

  /** Formats one line without writing it. */
  formatLine(
    scope: HttpScope | WebSocketScope,
    status: number,
    bytes: number,
    durationMs: number,
  ): string {
    const method = scope.type === 'http' ? scope.method : 'GET';
    const client = scope.client === null ? '-' : scope.client.host;
    const target =
      scope.queryString === '' ? scope.rawPath : `${scope.rawPath}?${scope.queryString}`;
    if (this.format === 'json') {
      return JSON.stringify({
        time: this.clock.isoUtc(),
        client,
        method,
        path: scope.rawPath,
        query: scope.queryString,
        httpVersion: scope.httpVersion,
        type: scope.type,
        status,
        bytes,
        durationMs: Math.round(durationMs * 1000) / 1000,
        referer: header(scope, 'referer') ?? null,
        userAgent: header(scope, 'user-agent') ?? null,
      });
    }
    const micros = Math.round(durationMs * 1000);
    let line = `${client} - - [${this.clock.commonLog()}] "${method} ${escapeQuoted(target)} HTTP/${scope.httpVersion}" ${status === 0 ? '-' : status} ${bytes === 0 ? '-' : bytes}`;
    if (this.format === 'combined') {
      const referer = header(scope, 'referer');
      const agent = header(scope, 'user-agent');
      line += ` "${referer === undefined ? '-' : escapeQuoted(referer)}" "${agent === undefined ? '-' : escapeQuoted(agent)}"`;
    }
    return `${line} ${micros}`;
  }

  /** Writes out queued lines now. */
  flush(): void {
    this.sink.flush();
  }

  /** Reopens the log file (after rotation). */
  reopen(): void {
    this.sink.reopen();
  }

  /** Flushes and releases the log file. */
  close(): void {
    this.sink.close();
  }
}

/** Creates the access logger the options ask for, or `null` when the access log is off. */
export function createAccessLogger(options: {
  accessLog: boolean;
  accessLogFile: string;
  accessLogFormat: AccessLogFormat;
}): AccessLogger | null {
  if (!options.accessLog) return null;
  return new AccessLogger(new FileSink(options.accessLogFile, 'stdout'), options.accessLogFormat);
}

let current: AccessLogger | null = null;

/** The access logger of this process, or `null` when the access log is off. */
export function getAccessLogger(): AccessLogger | null {
  return current;
}

/** Replaces the access logger of this process. */
export function setAccessLogger(logger: AccessLogger | null): void {
  current = logger;
}
