/**
 * Request and assertion helpers shared by the server cases.
 *
 * @module
 */

import type { Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { expectThat, fail, show } from '../../assert.js';
import {
  buildRequest,
  type RawConnection,
  type RawResponse,
  WireError,
} from '../../clients/raw-http.js';
import { ROUTE_HEADER, TOKEN_HEADER } from '../../probe/constants.js';
import { type ScopeReport, type ServerContext, scopeReport } from '../../server-context.js';

/** One mebibyte. */
export const MIB = 1024 * 1024;

/**
 * The most data a server may take in, or accept from the app, beyond what a
 * peer reads, before a backpressure case takes it as unbounded. It leaves
 * room for the operating system's socket buffers, which alone reach several MiB.
 */
export const BUFFER_BOUND = 32 * MIB;

/** A header field line to send: name and value, exactly as written. */
export type Field = readonly [string, string];

/** Reads a response, turning a timeout or garbage into a failure of `requirement`. */
export async function readResponseFor(
  requirement: string,
  what: string,
  connection: RawConnection,
  options: { method?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  let response: RawResponse | null;
  try {
    response = await connection.readResponse(options);
  } catch (error) {
    if (error instanceof WireError)
      fail(requirement, what, 'a well-formed response', error.message);
    throw error;
  }
  if (response === null) fail(requirement, what, 'a response', 'the connection closed without one');
  return response;
}

/** Parses a JSON response body, or fails naming `requirement`. */
export function jsonBody(requirement: string, what: string, response: RawResponse): unknown {
  const text = Buffer.from(response.body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return fail(
      requirement,
      what,
      'a JSON body from the probe',
      `status ${response.status}, body ${show(text)}`,
    );
  }
}

/**
 * Sends a request to the probe's `/echo-scope` over a raw socket, with the
 * route in a header so that the request target can be anything, and returns
 * the scope the app saw.
 */
export async function rawScope(
  context: ServerContext,
  requirement: string,
  requestLine: string,
  headers: readonly Field[] = [['Host', context.target.authority]],
  body = '',
): Promise<ScopeReport> {
  const connection = await context.raw();
  await connection.write(
    buildRequest(requestLine, [...headers, [ROUTE_HEADER, '/echo-scope']], body),
  );
  const response = await readResponseFor(
    requirement,
    `the answer to ${show(requestLine)}`,
    connection,
  );
  expectThat(
    requirement,
    `the answer to ${show(requestLine)}`,
    response.status === 200,
    'the probe to answer 200 with the scope',
    () => `status ${response.status}: ${show(Buffer.from(response.body).toString('utf8'))}`,
  );
  connection.destroy();
  return scopeReport(jsonBody(requirement, 'the probe answer', response));
}

/** The headers of a decoded scope as pairs (an empty list when malformed). */
export function headersOf(scope: Record<string, unknown>): [string, string][] {
  return Array.isArray(scope.headers) ? (scope.headers as [string, string][]) : [];
}

/** The header pairs of a scope whose name starts with `x-probe-` (our own test fields), minus the probe's control fields. */
export function probeHeaders(scope: Record<string, unknown>): [string, string][] {
  return headersOf(scope).filter(
    ([name]) =>
      typeof name === 'string' &&
      /^x-probe-/i.test(name) &&
      name !== ROUTE_HEADER &&
      name !== TOKEN_HEADER,
  );
}

/** Checks that the exchange looked aborted to the client: not complete, and the connection ended. */
export async function expectAborted(
  requirement: string,
  what: string,
  connection: RawConnection,
  response: RawResponse | null,
): Promise<void> {
  if (response !== null) {
    expectThat(
      requirement,
      what,
      !response.complete,
      'an aborted response (a body cut short of its framing)',
      () =>
        `a complete ${response.framing} response: ${show(Buffer.from(response.body).toString('latin1'))}`,
    );
  }
  const closed = await connection.waitClosed(3000);
  expectThat(requirement, what, closed, 'the connection to be closed', 'it stayed open');
}

/** Reads a response that may be aborted: a connection that ends in the head counts as no response. */
export async function readMaybeAborted(
  connection: RawConnection,
  options: { method?: string; timeoutMs?: number } = {},
): Promise<RawResponse | null> {
  try {
    return await connection.readResponse(options);
  } catch (error) {
    if (error instanceof WireError && connection.closed) return null;
    throw error;
  }
}

/** Reads a field of a record. */
export function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object'
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** Describes a probe outcome record (`{ rejected, error }`) for a message. */
export function describeOutcome(value: unknown): string {
  if (value === undefined) return 'no report from the probe';
  return show(value);
}

/** Whether a probe outcome record says the call rejected with an error whose message names `id`. */
export function rejectedCiting(value: unknown, id?: string): boolean {
  if (field(value, 'rejected') !== true) return false;
  const error = field(value, 'error');
  const message = `${String(field(error, 'message') ?? '')} ${String(field(error, 'requirement') ?? '')}`;
  if (id === undefined) return /\b[A-Z]+(?:-[A-Z]+)*-\d+\b/.test(message);
  return message.includes(id);
}

/**
 * Checks the `later` outcome the probe recorded after a refused send(): the
 * refusal failed the exchange (section 3.7), so the next send(), a valid
 * event, must reject again with the error that failed it (SRV-3).
 */
export function expectStillFailed(what: string, report: unknown): void {
  const later = field(report, 'later');
  const first = field(report, 'error');
  expectThat(
    'SRV-3',
    `the send() of a valid event after ${what} was refused`,
    field(later, 'rejected') === true && isDeepStrictEqual(field(later, 'error'), first),
    `a rejection with the error that failed the exchange, ${show(first)}`,
    describeOutcome(later),
  );
}

/** Whether a probe outcome record says the call rejected with a ClientDisconnectedError. */
export function rejectedDisconnected(value: unknown): boolean {
  return (
    field(value, 'rejected') === true &&
    field(field(value, 'error'), 'code') === 'ERR_TSGI_CLIENT_DISCONNECTED'
  );
}

/**
 * Writes `piece` to the socket again and again for `durationMs`, keeping a
 * few MiB queued, and returns how many bytes the socket handed to the
 * operating system: what the server took, plus the kernel's buffers.
 */
export async function flood(
  socket: Socket,
  piece: Uint8Array,
  durationMs: number,
  limit = Number.POSITIVE_INFINITY,
): Promise<number> {
  let flushed = 0;
  let written = 0;
  const until = Date.now() + durationMs;
  while (Date.now() < until && !socket.destroyed && written < limit) {
    if (socket.writableLength < 4 * 1024 * 1024) {
      written += piece.byteLength;
      socket.write(piece, (error) => {
        if (!error) flushed += piece.byteLength;
      });
      continue;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, until - Date.now()));
      socket.once('drain', done);
      socket.once('close', done);
    });
  }
  return flushed;
}
