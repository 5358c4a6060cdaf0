/**
 * Views: the functions and classes that answer requests, and the rules that
 * turn what they return into a {@link Response}.
 *
 * @module
 */

import { AppError, AppErrorCode } from './app-errors.js';
import type { Request } from './request.js';
import { json, Response, text } from './response.js';
import type { RouteParams } from './router/route.js';

/**
 * What a view may return, and what becomes of it:
 *
 * - a {@link Response}: sent as it is;
 * - a `string`: `text/plain; charset=utf-8` (never guessed to be HTML: return
 *   `html(...)` for that);
 * - a `Uint8Array`: `application/octet-stream`;
 * - `undefined`: `204 No Content`;
 * - anything else JSON can carry (a plain object, an array, a number, a
 *   boolean, `null`): `application/json`.
 */
export type ViewResult =
  | Response
  | string
  | Uint8Array
  | number
  | boolean
  | object
  | null
  | undefined;

/**
 * A function view: takes the request, returns (or resolves to) a
 * {@link ViewResult}.
 *
 * @typeParam P - the route parameters; inferred from the pattern by the app's route methods.
 */
export type ViewFunction<P extends RouteParams = RouteParams> = (
  request: Request<P>,
) => ViewResult | Promise<ViewResult>;

/** The HTTP methods a class-based view answers through methods of the same name in lowercase. */
export const VIEW_METHODS: readonly string[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];

/**
 * The base of class-based views. A subclass answers each HTTP method with an
 * instance method of that name in lowercase; the methods it lacks get 405
 * with an `Allow` header, `HEAD` falls back to `get`, and `OPTIONS` is
 * answered for it unless it defines `options`.
 *
 * A new instance serves each request, so instance fields are private to the
 * request. The constructor takes no arguments; reach shared resources through
 * `request.state`.
 *
 * ```ts
 * class ArticleView extends View {
 *   async get(request: Request<{ article_id: number }>) {
 *     return { id: request.params.article_id };
 *   }
 *   async delete(request: Request<{ article_id: number }>) {
 *     await remove(request.params.article_id);
 *   }
 * }
 * app.route('/article/{article_id:int}', ArticleView, { name: 'article' });
 * ```
 */
export class View {}

/**
 * The HTTP methods a view class answers, uppercase, in the order of
 * {@link VIEW_METHODS}: those it has an instance method for, in lowercase.
 *
 * @param viewClass - a subclass of {@link View}.
 */
export function viewMethodsOf(viewClass: ViewClass): string[] {
  const proto = viewClass.prototype as unknown as Record<string, unknown>;
  return VIEW_METHODS.filter((method) => typeof proto[method.toLowerCase()] === 'function');
}

/** A class-based view: a subclass of {@link View} with a constructor that takes no arguments. */
export type ViewClass = new () => View;

/** Tells whether `value` is a subclass of {@link View}. */
export function isViewClass(value: unknown): value is ViewClass {
  return typeof value === 'function' && value.prototype instanceof View;
}

/**
 * One function view per method a view class answers: each makes a new
 * instance and calls its method.
 *
 * @throws {@link AppError} `BAD_VIEW` when `viewClass` is not a `View` subclass or answers no method.
 */
export function classViewMethods(viewClass: ViewClass, pattern: string): Map<string, ViewFunction> {
  if (!isViewClass(viewClass)) {
    throw new AppError(
      AppErrorCode.BAD_VIEW,
      `route ${JSON.stringify(pattern)}: expected a subclass of View, received ${describe(viewClass)}`,
    );
  }
  const methods = viewMethodsOf(viewClass);
  if (methods.length === 0) {
    throw new AppError(
      AppErrorCode.BAD_VIEW,
      `route ${JSON.stringify(pattern)}: ${viewClass.name || 'the view class'} has none of the methods ${VIEW_METHODS.map((m) => m.toLowerCase()).join(', ')}`,
    );
  }
  const views = new Map<string, ViewFunction>();
  for (const method of methods) {
    const key = method.toLowerCase();
    views.set(method, (request) => {
      const instance = new viewClass() as unknown as Record<string, ViewFunction>;
      return (instance[key] as ViewFunction).call(instance, request);
    });
  }
  return views;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `the function ${value.name || '(anonymous)'}`;
  return value === null ? 'null' : typeof value;
}

function isAsyncIterable(value: object): boolean {
  return typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}

const NO_CONTENT_INIT = { status: 204 } as const;
const BYTES_INIT = { contentType: 'application/octet-stream' } as const;

/**
 * Turns what a view returned into a response; see {@link ViewResult}.
 *
 * @param value - the view's result.
 * @returns the response.
 * @throws {@link AppError} `BAD_VIEW_RESULT` for a function, a symbol, a
 *   bigint or an async iterable (return `stream(...)` for those).
 */
export function toResponse(value: unknown): Response {
  if (value instanceof Response) return value;
  switch (typeof value) {
    case 'string':
      return text(value);
    case 'undefined':
      return new Response(null, NO_CONTENT_INIT);
    case 'number':
    case 'boolean':
      return json(value);
    case 'object':
      if (value === null) return json(null);
      if (value instanceof Uint8Array) return new Response(value, BYTES_INIT);
      if (isAsyncIterable(value)) {
        throw new AppError(
          AppErrorCode.BAD_VIEW_RESULT,
          'a view returned an async iterable; wrap it in stream() or sse() to send it',
        );
      }
      return json(value);
    default:
      throw new AppError(
        AppErrorCode.BAD_VIEW_RESULT,
        `a view returned a ${typeof value}, which has no response form; return a Response, a string, undefined or a JSON value`,
      );
  }
}
