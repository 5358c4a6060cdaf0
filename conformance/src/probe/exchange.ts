/**
 * What every probe route gets: the scope, receive and send of one call, the
 * route and token it was addressed with, and helpers to answer.
 *
 * @module
 */

import type { HttpReceiveEvent, HttpScope, HttpSendEvent } from 'tsgi';
import { encode, type Json } from './wire.js';

/** One HTTP call of the probe app. */
export interface Exchange {
  /** The scope the server gave. */
  readonly scope: HttpScope;
  /** The server's receive. */
  readonly receive: () => Promise<HttpReceiveEvent>;
  /** The server's send. */
  readonly send: (event: HttpSendEvent) => Promise<void>;
  /** The route: the path after `rootPath`, or the `x-probe-route` header. */
  readonly route: string;
  /** The `x-probe-token` header or `token` query parameter, or `null`. */
  readonly token: string | null;
  /** The query parameters. */
  readonly query: URLSearchParams;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first value of a request header by its (lowercase) name. */
export function header(
  headers: readonly (readonly [string, string])[],
  name: string,
): string | null {
  if (!Array.isArray(headers)) return null;
  for (const pair of headers) if (Array.isArray(pair) && pair[0] === name) return pair[1];
  return null;
}

/** Reads the query of a scope, tolerating a malformed one. */
export function queryOf(queryString: unknown): URLSearchParams {
  try {
    return new URLSearchParams(typeof queryString === 'string' ? queryString : '');
  } catch {
    return new URLSearchParams();
  }
}

/** An integer query parameter, or `fallback`. */
export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const value = query.get(name);
  const number = value === null ? Number.NaN : Number(value);
  return Number.isSafeInteger(number) ? number : fallback;
}

/** Answers with a JSON body of known length. */
export async function respondJson(exchange: Exchange, value: Json, status = 200): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(value));
  await exchange.send({
    type: 'http.response.start',
    status,
    headers: [
      ['content-type', 'application/json'],
      ['content-length', String(body.byteLength)],
    ],
  });
  await exchange.send({ type: 'http.response.body', body });
}

/** Answers with a short text body of known length. */
export async function respondText(exchange: Exchange, text: string, status = 200): Promise<void> {
  const body = new TextEncoder().encode(text);
  await exchange.send({
    type: 'http.response.start',
    status,
    headers: [
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', String(body.byteLength)],
    ],
  });
  await exchange.send({ type: 'http.response.body', body });
}

/** What reading a request body gave. */
export interface BodyReading {
  /** Every event received, encoded. */
  readonly events: Json[];
  /** The body bytes joined. */
  readonly bytes: Uint8Array;
  /** How it ended: the final piece, or a disconnect. */
  readonly end: 'complete' | 'disconnect' | 'other';
}

/** Reads the request body to its end, keeping every event as the server gave it. */
export async function readBody(
  receive: () => Promise<HttpReceiveEvent>,
  onEvent?: (events: Json[]) => void,
): Promise<BodyReading> {
  const events: Json[] = [];
  const pieces: Uint8Array[] = [];
  for (;;) {
    const event = await receive();
    events.push(encode(event));
    onEvent?.(events);
    if (event.type === 'http.disconnect') return { events, bytes: join(pieces), end: 'disconnect' };
    if (event.type !== 'http.request') return { events, bytes: join(pieces), end: 'other' };
    if (event.body instanceof Uint8Array) pieces.push(event.body.slice());
    if (event.moreBody !== true) return { events, bytes: join(pieces), end: 'complete' };
  }
}

/** Joins byte arrays. */
export function join(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((size, piece) => size + piece.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

/** Describes an error a `send()` or `receive()` call rejected with, for a report. */
export function describeError(error: unknown): Json {
  if (error === null || typeof error !== 'object') return { thrown: String(error) };
  const record = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    requirement?: unknown;
  };
  return {
    name: typeof record.name === 'string' ? record.name : null,
    code: typeof record.code === 'string' ? record.code : null,
    message: typeof record.message === 'string' ? record.message : null,
    requirement: typeof record.requirement === 'string' ? record.requirement : null,
    isError: error instanceof Error,
  };
}

/** Runs `attempt` and reports whether it rejected, and with what. */
export async function outcome(attempt: () => Promise<unknown>): Promise<Json> {
  try {
    await attempt();
    return { rejected: false };
  } catch (error) {
    return { rejected: true, error: describeError(error) };
  }
}

/** Whether an outcome record of {@link outcome} says the call rejected. */
export function rejected(result: Json): boolean {
  return typeof result === 'object' && result !== null && !Array.isArray(result)
    ? result.rejected === true
    : false;
}

/**
 * Adds to the outcome of a send() the outcome of the next one, under `later`.
 * After a refused event the exchange is failed, and every later send() must
 * reject again with the same error (section 3.7, SRV-3): the suite compares
 * the two.
 */
export async function andThen(
  first: Json,
  next: () => Promise<unknown>,
): Promise<{ [key: string]: Json }> {
  const base = typeof first === 'object' && first !== null && !Array.isArray(first) ? first : {};
  return { ...base, later: await outcome(next) };
}
