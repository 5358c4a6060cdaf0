/**
 * The default error responses: what a client gets for an error no handler
 * took. Short, negotiated by `Accept` (JSON for clients that ask for JSON,
 * plain text otherwise), and free of internals unless `debug` is on.
 *
 * @module
 */

import type { HeaderList } from 'tsgi';
import { headerValue } from './headers.js';
import { HTTPErrorCode, isHTTPError } from './http-error.js';
import { html, json, type Response, text } from './response.js';

const INTERNAL = 'Internal Server Error';

/**
 * Tells whether the client asked for JSON: its `accept` header names
 * `application/json` (or a `+json` type) with a weight above zero and at
 * least that of any text type. Browsers and clients that send no `accept`,
 * or only a wildcard, get text.
 *
 * @param headers - the request headers.
 */
export function prefersJson(headers: HeaderList): boolean {
  const accept = headerValue(headers, 'accept');
  if (accept === undefined || !accept.includes('json')) return false;
  let jsonWeight = 0;
  let textWeight = 0;
  for (const item of accept.split(',')) {
    const [rawType = '', ...params] = item.split(';');
    const type = rawType.trim().toLowerCase();
    let weight = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value.trim());
        weight = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    if (type === 'application/json' || type.endsWith('+json')) {
      jsonWeight = Math.max(jsonWeight, weight);
    } else if (type.startsWith('text/')) {
      textWeight = Math.max(textWeight, weight);
    }
  }
  return jsonWeight > 0 && jsonWeight >= textWeight;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @param value - the text.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** The stack of `error` and of each `cause` below it, as text for a debug page. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current instanceof Error) {
      parts.push(current.stack ?? `${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join('\n\nCaused by: ');
}

/**
 * The response for an error no handler took.
 *
 * - An `HTTPError`: its status and headers, and its public message, as
 *   `{ status, code, message, details? }` for JSON clients and as text
 *   otherwise.
 * - Anything else: a 500 that says only `Internal Server Error`; with
 *   `debug`, an HTML page with the escaped stack (a JSON body with a
 *   `stack` field for JSON clients) instead.
 *
 * @param error - what was thrown.
 * @param headers - the request headers, for the negotiation.
 * @param debug - whether to show stacks.
 */
export function errorResponse(error: unknown, headers: HeaderList, debug: boolean): Response {
  const wantsJson = prefersJson(headers);
  if (isHTTPError(error)) {
    const init = { status: error.status, headers: error.headers };
    return wantsJson ? json(error.toJSON(), init) : text(error.message, init);
  }
  if (debug) {
    const stack = describeError(error);
    if (wantsJson) {
      return json(
        { status: 500, code: HTTPErrorCode.INTERNAL_SERVER_ERROR, message: INTERNAL, stack },
        { status: 500 },
      );
    }
    return html(
      `<!doctype html>\n<meta charset="utf-8">\n<title>500 ${INTERNAL}</title>\n` +
        `<h1>500 ${INTERNAL}</h1>\n<pre>${escapeHtml(stack)}</pre>\n`,
      { status: 500 },
    );
  }
  return wantsJson
    ? json(
        { status: 500, code: HTTPErrorCode.INTERNAL_SERVER_ERROR, message: INTERNAL },
        { status: 500 },
      )
    : text(INTERNAL, { status: 500 });
}
