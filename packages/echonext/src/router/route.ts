/**
 * Registered routes and the results of a lookup.
 *
 * @module
 */

import type { ParsedPattern, PatternParam } from './pattern.js';

/** The parameters of a match, by name, as the converters parsed them. */
export type RouteParams = Readonly<Record<string, unknown>>;

/**
 * One pattern and the handlers registered on it, one per method.
 *
 * Patterns that differ only in how a converter is spelled (`{x}` and
 * `{x:str}`) are the same route; the first spelling registered is kept.
 *
 * @typeParam H - the handler type of the router.
 */
export interface Route<H> {
  /** The pattern as first registered. */
  readonly pattern: string;
  /** The names given to this route, for `urlFor`. */
  readonly names: readonly string[];
  /** The parameter names, in pattern order. */
  readonly paramNames: readonly string[];
  /** The handlers registered on this route, by uppercase method. */
  readonly handlers: ReadonlyMap<string, H>;
}

/** The path matched a route that has a handler for the method. */
export interface RouteFound<H> {
  /** Discriminant. */
  readonly kind: 'found';
  /** The route that matched. */
  readonly route: Route<H>;
  /** The handler to run. */
  readonly handler: H;
  /** The parameters, parsed by their converters. Frozen and shared for routes without parameters. */
  readonly params: RouteParams;
  /**
   * `true` when the request is `HEAD`, the route has no `HEAD` handler and
   * `handler` is its `GET` handler: the response must carry no body.
   */
  readonly implicitHead: boolean;
}

/**
 * An `OPTIONS` request for a path that matched, with no `OPTIONS` handler:
 * answer it (typically 204) with an `Allow` header listing `allowed`.
 */
export interface RouteOptions {
  /** Discriminant. */
  readonly kind: 'options';
  /** Every method the path accepts, sorted, with `HEAD` when `GET` is there, and `OPTIONS`. */
  readonly allowed: readonly string[];
}

/** The path matched, but no route on it takes the method: answer 405 with `Allow`. */
export interface RouteMethodNotAllowed {
  /** Discriminant. */
  readonly kind: 'method-not-allowed';
  /** Every method the path accepts, sorted, with `HEAD` when `GET` is there, and `OPTIONS`. */
  readonly allowed: readonly string[];
}

/**
 * The path did not match, but the same path with its trailing slash added or
 * removed does: redirect there. Only returned under the `'redirect'` policy.
 */
export interface RouteRedirect {
  /** Discriminant. */
  readonly kind: 'redirect';
  /**
   * The decoded path that matches (no `rootPath`, no query). To build the
   * `Location`, apply `trailingSlash` to the request's `rawPath` rather than
   * re-encoding this, and keep `rootPath` and the query string.
   */
  readonly path: string;
  /** What changed from the requested path. */
  readonly trailingSlash: 'add' | 'remove';
  /**
   * 301 for `GET` and `HEAD`; 308 for every other method, which must be
   * repeated with the same method and body.
   */
  readonly status: 301 | 308;
}

/** Nothing matched the path. */
export interface RouteNotFound {
  /** Discriminant. */
  readonly kind: 'not-found';
}

/** The outcome of `Router#lookup`. Switch on `kind`. */
export type RouteMatch<H> =
  | RouteFound<H>
  | RouteOptions
  | RouteMethodNotAllowed
  | RouteRedirect
  | RouteNotFound;

/** The shared result for a miss. */
export const NOT_FOUND: RouteNotFound = Object.freeze({ kind: 'not-found' });

/** The shared parameters of routes that have none. */
export const NO_PARAMS: RouteParams = Object.freeze({});

/** A registered route with what matching and `urlFor` need. Internal to the router. */
export class RouteRecord<H> implements Route<H> {
  readonly pattern: string;
  readonly names: string[] = [];
  readonly paramNames: readonly string[];
  readonly handlers = new Map<string, H>();
  readonly parsed: ParsedPattern;
  readonly params: readonly PatternParam[];

  constructor(parsed: ParsedPattern) {
    this.pattern = parsed.source;
    this.parsed = parsed;
    this.params = parsed.params;
    this.paramNames = parsed.params.map((param) => param.name);
  }
}

/**
 * What a terminal node answers for one method. `result` is prebuilt for routes
 * without parameters, so that their lookups allocate nothing.
 */
export class Endpoint<H> {
  readonly route: RouteRecord<H>;
  readonly handler: H;
  readonly implicitHead: boolean;
  readonly result: RouteFound<H> | null;

  constructor(route: RouteRecord<H>, handler: H, implicitHead: boolean) {
    this.route = route;
    this.handler = handler;
    this.implicitHead = implicitHead;
    this.result =
      route.params.length === 0
        ? Object.freeze({ kind: 'found', route, handler, params: NO_PARAMS, implicitHead })
        : null;
  }
}
