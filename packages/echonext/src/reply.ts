/**
 * Sending what a request produced: a view's result or a response, with the
 * failures of sending answered where they still can be.
 *
 * A view that no middleware surrounds has its result sent straight as TSGI
 * events when it is text or a JSON value, the common answers: the events are
 * exactly those `Response.send` would write (`content-type`, then
 * `content-length`, one start and one body event, no body bytes for `HEAD`),
 * without building the `Response`, its header list and the copy `send` makes
 * of it. Nothing can observe the difference, since no middleware would have
 * seen the response. Any other result goes the general way.
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import { isClientDisconnected } from 'tsgi';
import type { ErrorScope } from './error-scope.js';
import type { HttpSend } from './file-body.js';
import { jsonText } from './json-text.js';
import type { Request } from './request.js';
import type { Response } from './response.js';
import { UsageError } from './usage-error.js';
import { toResponse, type ViewFunction } from './views.js';

const EMPTY = new Uint8Array(0);
const TEXT_TYPE = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Tells whether `value`, an object, becomes JSON as it is: a plain object or
 * an array that is not an async iterable. Everything else that `toResponse`
 * distinguishes (a `Response`, bytes, a stream) has another prototype.
 */
function isPlainJson(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) return false;
  return typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] !== 'function';
}

/**
 * Runs `view` for `request` and sends its result; what the view throws (or
 * its promise rejects with) is answered by `errors`.
 *
 * @param view - a view that no middleware surrounds.
 * @param request - the request.
 * @param errors - the error handling of the app that owns the route.
 * @param send - the TSGI `send`.
 */
export function runView(
  view: ViewFunction,
  request: Request,
  errors: ErrorScope,
  send: HttpSend,
): Promise<void> {
  let result: unknown;
  try {
    result = view(request);
    // Reading `then` can throw too (a getter, a proxy): inside the `try`, as in an `await`.
    if (isThenable(result)) return settle(result, request, errors, send);
  } catch (error) {
    return recover(error, request, errors, send);
  }
  return sendResult(result, request, errors, send);
}

async function settle(
  pending: PromiseLike<unknown>,
  request: Request,
  errors: ErrorScope,
  send: HttpSend,
): Promise<void> {
  let value: unknown;
  try {
    value = await pending;
  } catch (error) {
    return recover(error, request, errors, send);
  }
  return sendResult(value, request, errors, send);
}

/** Sends what a view returned, as `toResponse` would turn it into a response. */
function sendResult(
  value: unknown,
  request: Request,
  errors: ErrorScope,
  send: HttpSend,
): Promise<void> {
  if (typeof value === 'string') return sendWhole(request, send, TEXT_TYPE, value);
  let response: Response;
  try {
    if (typeof value === 'object' && value !== null && isPlainJson(value)) {
      return sendWhole(request, send, JSON_TYPE, jsonText(value));
    }
    response = toResponse(value);
  } catch (error) {
    return recover(error, request, errors, send);
  }
  return respond(response, request, errors, send);
}

/** The events of a 200 with a body known in full, as `Response.send` writes them. */
async function sendWhole(
  request: Request,
  send: HttpSend,
  contentType: string,
  body: string,
): Promise<void> {
  const length = String(Buffer.byteLength(body, 'utf8'));
  try {
    await send({
      type: 'http.response.start',
      status: 200,
      headers: [
        ['content-type', contentType],
        ['content-length', length],
      ],
    });
    await send({
      type: 'http.response.body',
      body: request.method === 'HEAD' ? EMPTY : body,
      moreBody: false,
    });
  } catch (error) {
    if (!isClientDisconnected(error)) throw error;
  }
}

/** Sends the response the error handlers give for `error`. */
async function recover(
  error: unknown,
  request: Request,
  errors: ErrorScope,
  send: HttpSend,
): Promise<void> {
  return respond(await errors.handle(error, request), request, errors, send);
}

/**
 * Sends `response`. A failure before `http.response.start` (a bad status,
 * a missing file) is answered by the error handlers instead; after it, it
 * is thrown, so that the server aborts the response. A client that left is
 * not an error.
 *
 * @param response - the response.
 * @param request - the request it answers.
 * @param errors - the error handling for a failure before the start event.
 * @param send - the TSGI `send`.
 */
export async function respond(
  response: Response,
  request: Request,
  errors: ErrorScope,
  send: HttpSend,
): Promise<void> {
  const scope = request.scope;
  const body = response.body;
  let started = false;
  let tracked: HttpSend = send;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    tracked = (event) => {
      if (event.type === 'http.response.start') started = true;
      return send(event);
    };
  }
  try {
    await response.send(scope, tracked);
  } catch (error) {
    if (isClientDisconnected(error)) return;
    // A body known in full fails only in checks made before the start event.
    if (started || (tracked === send && !isBeforeStart(error))) throw error;
    const fallback = await errors.handle(error, request);
    try {
      await fallback.send(scope, send);
    } catch (failure) {
      if (!isClientDisconnected(failure)) throw failure;
    }
  }
}

/**
 * Whether a `Response.send` failure on a body known in full happened before
 * anything was sent: its checks (status, headers, cookies, length) throw a
 * `UsageError` before the start event, and only the transport fails later.
 */
function isBeforeStart(error: unknown): boolean {
  return error instanceof UsageError;
}
