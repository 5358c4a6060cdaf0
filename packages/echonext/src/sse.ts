/**
 * Server-sent events (the `text/event-stream` format of the HTML standard):
 * a streamed response of events, each a few `field: value` lines and a blank
 * line, with comment lines sent while idle so that proxies keep the
 * connection open and a gone client is noticed.
 *
 * @module
 */

import { Response, type ResponseInit } from './response.js';
import { UsageError, UsageErrorCode } from './usage-error.js';

/** One event. Every field is optional; an event with none sends nothing. */
export interface ServerSentEvent {
  /**
   * The payload. A string is sent as is, split into one `data:` line per
   * line; any other value is sent as its JSON text.
   */
  readonly data?: unknown;
  /** The event type; the client's `onmessage` sees only events without one. */
  readonly event?: string;
  /** The id the client sends back as `Last-Event-ID` when it reconnects. */
  readonly id?: string;
  /** How long the client waits before reconnecting, in milliseconds. */
  readonly retry?: number;
  /** A comment, ignored by clients; useful for debugging and padding. */
  readonly comment?: string;
}

/** Options of {@link sse}. */
export interface SseInit extends ResponseInit {
  /**
   * Milliseconds without an event after which a comment line is sent, to
   * keep proxies from closing the connection and to notice a gone client.
   * Defaults to 15000; `0` turns it off.
   */
  readonly keepAlive?: number;
}

/** The comment sent while idle. */
export const KEEP_ALIVE_COMMENT = ': keep-alive\n\n';

const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

function invalid(message: string): UsageError {
  return new UsageError(UsageErrorCode.INVALID_ARGUMENT, message);
}

function lines(field: string, text: string): string {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `${field}: ${line}\n`;
  return out;
}

/**
 * Formats one event as `text/event-stream` text, ending with the blank line
 * that dispatches it. A string is shorthand for `{ data: string }`.
 *
 * @param message - the event.
 * @throws {@link UsageError} `INVALID_ARGUMENT` for an `event` or `id` with a
 *   line break (or an `id` with NUL, which clients ignore), a `retry` that is
 *   not a non-negative integer, or `data` with no JSON form.
 */
export function formatEvent(message: ServerSentEvent | string): string {
  if (typeof message === 'string') return `${lines('data', message)}\n`;
  let out = '';
  if (message.comment !== undefined) {
    for (const line of String(message.comment).split(LINE_BREAK)) out += `: ${line}\n`;
  }
  if (message.event !== undefined) {
    if (HAS_LINE_BREAK.test(message.event)) throw invalid('an SSE event type has no line breaks');
    out += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    if (/[\r\n\0]/.test(message.id)) throw invalid('an SSE id has no line breaks and no NUL');
    out += `id: ${message.id}\n`;
  }
  if (message.retry !== undefined) {
    if (!Number.isInteger(message.retry) || message.retry < 0) {
      throw invalid('an SSE retry is a non-negative integer of milliseconds');
    }
    out += `retry: ${message.retry}\n`;
  }
  if (message.data !== undefined) {
    const data = typeof message.data === 'string' ? message.data : JSON.stringify(message.data);
    if (data === undefined)
      throw invalid(`SSE data of type ${typeof message.data} has no JSON form`);
    out += lines('data', data);
  }
  return out === '' ? '' : `${out}\n`;
}

const TICK = Symbol('tick');

/** Formats each event, and sends a keep-alive comment when the source is idle for `interval` ms. */
async function* eventStream(
  source: AsyncIterable<ServerSentEvent | string>,
  interval: number,
): AsyncGenerator<string, void, undefined> {
  if (interval <= 0) {
    for await (const message of source) {
      const text = formatEvent(message);
      if (text !== '') yield text;
    }
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    let pending = iterator.next();
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<typeof TICK>((resolve) => {
        timer = setTimeout(resolve, interval, TICK);
      });
      const result = await Promise.race([pending, tick]).finally(() => clearTimeout(timer));
      if (result === TICK) {
        yield KEEP_ALIVE_COMMENT;
        continue;
      }
      if (result.done) {
        finished = true;
        return;
      }
      const text = formatEvent(result.value);
      if (text !== '') yield text;
      pending = iterator.next();
    }
  } finally {
    if (!finished) {
      // The source may be waiting inside next(); a generator's return() would then wait with
      // it, so ask it to stop without waiting for the answer.
      iterator.return?.()?.catch(() => {});
    }
  }
}

/**
 * A server-sent events response: `text/event-stream`, not cached, not
 * buffered by proxies, one body event per event.
 *
 * ```ts
 * return sse(async function* () {
 *   for await (const price of prices) yield { event: 'price', data: price };
 * }());
 * ```
 *
 * @param events - the events; strings are data-only events.
 * @param init - status, headers, and the keep-alive interval.
 * @throws {@link UsageError} `INVALID_ARGUMENT` for a bad `keepAlive`.
 */
export function sse(events: AsyncIterable<ServerSentEvent | string>, init: SseInit = {}): Response {
  const { keepAlive = 15_000, ...rest } = init;
  if (typeof keepAlive !== 'number' || !(keepAlive >= 0) || !Number.isFinite(keepAlive)) {
    throw invalid(`keepAlive must be a non-negative number of milliseconds, received ${keepAlive}`);
  }
  const response = new Response(eventStream(events, keepAlive), {
    ...rest,
    contentType: rest.contentType ?? 'text/event-stream',
  });
  if (!response.hasHeader('cache-control')) response.setHeader('cache-control', 'no-cache');
  // nginx buffers proxied responses unless told otherwise, which would hold events back.
  if (!response.hasHeader('x-accel-buffering')) response.setHeader('x-accel-buffering', 'no');
  return response;
}
