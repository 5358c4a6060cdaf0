/**
 * The echonext router: patterns to handlers, one handler per method.
 *
 * ## Input
 * `lookup(method, path)` takes the request method exactly as received and the
 * already percent-decoded path the app routes on: the TSGI `scope.path` with
 * `scope.rootPath` removed from its front. A decoded `%2F` is a `/` like any
 * other and separates segments. Parameter values are slices of that decoded
 * path, parsed by their converter. A path that does not start with `/` (such
 * as `*`) matches nothing.
 *
 * ## The tree
 * Patterns are compiled when they are added, into a trie whose edges are whole
 * segments (see the `radix` module). Static segments are compared in place,
 * or found with one `Map` lookup where a node has many, and never with a
 * regular expression; the built-in converters check their segment in place
 * too. A fully static pattern is also kept in a table keyed by the whole
 * path, answered with a prebuilt result (only paths of a length some static
 * pattern has are looked up there). A lookup therefore costs in proportion to
 * the depth of the path and the number of edges leaving each node on its
 * way, not to the number of routes. It allocates one result, one params
 * object and the parameter texts, nothing for a route without parameters.
 *
 * ## Priority
 * At every segment, left to right: static text, then mixed segments (more
 * literal text first), then one-segment parameters by converter rank (`int`,
 * `uuid`, `float`, user converters, `str`), then `{rest:path}`. The lookup is
 * depth first with backtracking, and the method takes part in it: the winner
 * is the first route in that order that matches the whole path and has a
 * handler for the method (for `HEAD`, a `HEAD` or else a `GET` handler). So a
 * static route beats a parameterized one whatever the registration order, and
 * `/a/{x:int}/b` and `/a/{y}/c` both serve `/a/1/c`.
 *
 * ## Methods
 * When the path matches but no route there takes the method, the result is
 * `method-not-allowed` with the sorted list of methods the path accepts, for
 * the `Allow` header. That list always holds `OPTIONS` and holds `HEAD` when
 * `GET` is there: `HEAD` falls back to the `GET` handler (`implicitHead`), and
 * an `OPTIONS` request without an `OPTIONS` handler yields `options` with the
 * same list.
 *
 * ## Trailing slash
 * `/blog` and `/blog/` are different patterns. When a lookup finds nothing,
 * the policy decides what the path with its trailing slash toggled does:
 * - `'redirect'` (the default): if it matches any route, the result is
 *   `redirect` to it, with status 301 for `GET` and `HEAD` and 308 for every
 *   other method (a 308 makes the client repeat the method and body);
 * - `'ignore'`: its match is returned as if the request had asked for it;
 * - `'strict'`: it is not tried.
 * An exact match always wins over the toggled path. The search for the path
 * itself finds out on its way whether the toggled path would match, so a
 * miss costs one walk of the tree, and a second only under `'ignore'` when
 * the toggled path does match.
 *
 * ## Registration errors
 * Every problem is thrown by `add` as a {@link RouterError} with a stable code,
 * and the router is left as it was: bad patterns, a pattern registered twice
 * for a method, two patterns that would match the same paths with the same
 * priority for a method (`/a/{x}` and `/a/{y}`), and a name given to two
 * patterns. Conflicts name both patterns.
 *
 * @module
 */

import { type Converter, ConverterRegistry } from './converters.js';
import { RouterError, RouterErrorCode } from './errors.js';
import type { RouteNode } from './node.js';
import type { PatternParam } from './pattern.js';
import { parsePattern } from './pattern.js';
import { RadixTree, Search } from './radix.js';
import {
  type Endpoint,
  NOT_FOUND,
  type Route,
  type RouteMatch,
  type RouteParams,
  RouteRecord,
} from './route.js';
import { buildPath } from './url-for.js';

/** What the router does when a path misses but its trailing-slash twin matches. */
export type TrailingSlashPolicy = 'redirect' | 'strict' | 'ignore';

/** Options of {@link Router}. */
export interface RouterOptions {
  /** The trailing-slash policy; `'redirect'` when left out. */
  readonly trailingSlash?: TrailingSlashPolicy;
  /** User converters to register before any route. */
  readonly converters?: readonly Converter[];
}

/** Options of {@link Router.add}. */
export interface AddRouteOptions {
  /** A name for `urlFor`. One name belongs to one pattern. */
  readonly name?: string;
}

const METHOD = /^[A-Z][A-Z0-9_-]*$/;
const POLICIES: readonly string[] = ['redirect', 'strict', 'ignore'];

function checkMethods(method: string | readonly string[], pattern: string): string[] {
  const list = typeof method === 'string' ? [method] : method;
  if (!Array.isArray(list) || list.length === 0) {
    throw new RouterError(
      RouterErrorCode.BAD_METHOD,
      `route ${JSON.stringify(pattern)}: give a method or a non-empty list of methods`,
      { pattern },
    );
  }
  for (const m of list) {
    if (typeof m !== 'string' || !METHOD.test(m)) {
      throw new RouterError(
        RouterErrorCode.BAD_METHOD,
        `route ${JSON.stringify(pattern)}: method ${JSON.stringify(m)} must be an uppercase token such as "GET"`,
        { pattern },
      );
    }
  }
  return [...new Set<string>(list)];
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function allowedList(methods: string[]): string[] {
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  if (!methods.includes('OPTIONS')) methods.push('OPTIONS');
  return methods.sort();
}

/** The result for an endpoint with parameters: the captured texts parsed by their converters. */
function found<H>(endpoint: Endpoint<H>, captures: readonly string[]): RouteMatch<H> {
  const list = endpoint.route.params;
  const params: Record<string, unknown> = {};
  for (let i = 0; i < list.length; i++) {
    const param = list[i] as PatternParam;
    params[param.name] = param.converter.parse(captures[i] as string);
  }
  return {
    kind: 'found',
    route: endpoint.route,
    handler: endpoint.handler,
    params,
    implicitHead: endpoint.implicitHead,
  };
}

function toggleTrailingSlash(path: string): string | null {
  if (path.length <= 1) return null;
  return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
}

/**
 * Maps method and path to a handler. Build it once at startup with
 * {@link Router.add}, then call {@link Router.lookup} per request.
 *
 * ```ts
 * const router = new Router<Handler>();
 * router.add('GET', '/article/{article_id:int}', showArticle, { name: 'article' });
 * const match = router.lookup('GET', '/article/42');
 * // match.kind === 'found', match.params.article_id === 42
 * router.urlFor('article', { article_id: 42 }); // '/article/42'
 * ```
 *
 * @typeParam H - whatever the app stores per route and method; the router never calls it.
 */
export class Router<H> {
  /** The trailing-slash policy this router was created with. */
  readonly trailingSlash: TrailingSlashPolicy;
  private readonly registry = new ConverterRegistry();
  private readonly tree = new RadixTree<H>();
  private readonly staticPaths = new Map<string, RouteNode<H>>();
  /**
   * `1` at each length some fully static pattern has: a path of another
   * length is not hashed for the static table at all.
   */
  private staticLengths = new Uint8Array(0);
  private readonly named = new Map<string, RouteRecord<H>>();
  private readonly records: RouteRecord<H>[] = [];
  /** Reused by lookups; a lookup started from inside a converter gets its own. */
  private readonly search = new Search();
  private depth = 0;

  /**
   * @param options - the trailing-slash policy and user converters.
   * @throws {@link RouterError} `INVALID_ARGUMENT` for an unknown policy,
   *   `BAD_CONVERTER` for a malformed converter.
   */
  constructor(options: RouterOptions = {}) {
    const policy = options.trailingSlash ?? 'redirect';
    if (!POLICIES.includes(policy)) {
      throw new RouterError(
        RouterErrorCode.INVALID_ARGUMENT,
        `trailingSlash must be "redirect", "strict" or "ignore", received ${JSON.stringify(policy)}`,
      );
    }
    this.trailingSlash = policy;
    for (const converter of options.converters ?? []) this.addConverter(converter);
  }

  /**
   * Registers a converter for use in patterns added afterwards, as
   * `{param:name}`. Built-in names (`int`, `float`, `str`, `uuid`, `path`)
   * cannot be replaced.
   *
   * @param converter - the converter.
   * @returns this router, for chaining.
   * @throws {@link RouterError} `BAD_CONVERTER` when it is malformed or its name is taken.
   */
  addConverter<T>(converter: Converter<T>): this {
    this.registry.add(converter as Converter);
    return this;
  }

  /**
   * Registers `handler` for `method` (or each of several methods) on `pattern`.
   *
   * @param method - an uppercase method such as `GET`, any token, or a list of them.
   * @param pattern - the pattern, such as `/article/{article_id:int}`.
   * @param handler - what `lookup` hands back for this method and pattern.
   * @param options - a name for `urlFor`.
   * @returns the route the handler now belongs to.
   * @throws {@link RouterError} `BAD_METHOD`, `BAD_PATTERN`, `DUPLICATE_ROUTE`,
   *   `AMBIGUOUS_ROUTE`, `DUPLICATE_NAME` or `INVALID_ARGUMENT`; the router is
   *   unchanged when it throws.
   */
  add(
    method: string | readonly string[],
    pattern: string,
    handler: H,
    options: AddRouteOptions = {},
  ): Route<H> {
    const methods = checkMethods(method, pattern);
    const parsed = parsePattern(pattern, this.registry);
    const name = options.name;
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new RouterError(
        RouterErrorCode.INVALID_ARGUMENT,
        `route ${JSON.stringify(pattern)}: a route name must be a non-empty string`,
        { pattern },
      );
    }

    // Check everything before touching the tree, so that a failure changes nothing.
    const existingNode = this.tree.locate(parsed.segments, false);
    const paramNames = parsed.params.map((param) => param.name);
    const siblings = existingNode?.routes ?? [];
    let route = siblings.find((r) => sameNames(r.paramNames, paramNames)) ?? null;
    for (const m of methods) {
      const owner = siblings.find((r) => r.handlers.has(m));
      if (owner === undefined) continue;
      if (owner === route) {
        throw new RouterError(
          RouterErrorCode.DUPLICATE_ROUTE,
          `duplicate route: ${m} ${JSON.stringify(pattern)} repeats ${m} ${JSON.stringify(owner.pattern)}`,
          { pattern, conflictsWith: owner.pattern },
        );
      }
      throw new RouterError(
        RouterErrorCode.AMBIGUOUS_ROUTE,
        `ambiguous route: ${m} ${JSON.stringify(pattern)} would match the same paths as ${m} ${JSON.stringify(owner.pattern)} with the same priority`,
        { pattern, conflictsWith: owner.pattern },
      );
    }
    if (name !== undefined) {
      const owner = this.named.get(name);
      if (owner !== undefined && owner !== route) {
        throw new RouterError(
          RouterErrorCode.DUPLICATE_NAME,
          `duplicate route name "${name}": given to ${JSON.stringify(owner.pattern)} and to ${JSON.stringify(pattern)}`,
          { pattern, conflictsWith: owner.pattern },
        );
      }
    }

    const node = this.tree.locate(parsed.segments, true) as RouteNode<H>;
    if (route === null) {
      route = new RouteRecord<H>(parsed);
      node.routes ??= [];
      node.routes.push(route);
      this.records.push(route);
    }
    for (const m of methods) route.handlers.set(m, handler);
    if (name !== undefined && !route.names.includes(name)) {
      route.names.push(name);
      this.named.set(name, route);
    }
    node.rebuildTable();
    if (parsed.params.length === 0) this.addStaticPath(pattern, node);
    return route;
  }

  /**
   * Finds what answers `method` on `path`.
   *
   * @param method - the request method, exactly as received (methods are case-sensitive).
   * @param path - the percent-decoded path without `rootPath`.
   * @returns the match; switch on its `kind`.
   */
  lookup(method: string, path: string): RouteMatch<H> {
    if (path.charCodeAt(0) !== 47) return NOT_FOUND;
    const search = this.depth === 0 ? this.search : new Search();
    const result = this.match(method, path, search);
    // A failed search noted whether the toggled path matches: no second walk
    // unless it does and the policy wants its result.
    if (result !== NOT_FOUND || !search.twin || this.trailingSlash === 'strict') return result;
    const other = toggleTrailingSlash(path);
    if (other === null) return result;
    if (this.trailingSlash === 'ignore') return this.match(method, other, search);
    return {
      kind: 'redirect',
      path: other,
      trailingSlash: other.length > path.length ? 'add' : 'remove',
      status: method === 'GET' || method === 'HEAD' ? 301 : 308,
    };
  }

  /**
   * Builds the path of the route named `name`: converters format the values,
   * and every segment is percent-encoded (a `path` value keeps its `/`). The
   * result has no `rootPath`; prefix it when the app is mounted. Looking the
   * decoded result up gives the same parameters back, unless a route of
   * higher priority also matches the built path (`/article/new` beats
   * `/article/{id}` given `id: 'new'`): the router does not check that.
   *
   * @param name - a name given with {@link AddRouteOptions.name}.
   * @param params - a value for each parameter of the pattern, and nothing else.
   * @returns the encoded path.
   * @throws {@link RouterError} `UNKNOWN_ROUTE_NAME`, or `BAD_PARAM` for a
   *   missing or unexpected parameter, a value the converter cannot format or
   *   does not accept back, or a value that would make a `.` or `..` segment.
   */
  urlFor(name: string, params: RouteParams = {}): string {
    const route = this.named.get(name);
    if (route === undefined) {
      throw new RouterError(
        RouterErrorCode.UNKNOWN_ROUTE_NAME,
        `urlFor: no route is named ${JSON.stringify(name)}`,
      );
    }
    return buildPath(route, params);
  }

  /** Every route, in the order first registered. */
  get routes(): readonly Route<H>[] {
    return this.records.slice();
  }

  /**
   * How many tree nodes lookups have entered since the router was created.
   * A diagnostic for tests and profiling: compare it before and after a lookup.
   */
  get nodeVisits(): number {
    return this.tree.visits;
  }

  private addStaticPath(path: string, node: RouteNode<H>): void {
    this.staticPaths.set(path, node);
    if (path.length >= this.staticLengths.length) {
      const grown = new Uint8Array(path.length + 1);
      grown.set(this.staticLengths);
      this.staticLengths = grown;
    }
    this.staticLengths[path.length] = 1;
  }

  private match(method: string, path: string, search: Search): RouteMatch<H> {
    search.reset();
    const lengths = this.staticLengths;
    const exact =
      path.length < lengths.length && lengths[path.length] === 1
        ? this.staticPaths.get(path)
        : undefined;
    if (exact !== undefined) {
      const endpoint = method === 'GET' ? exact.getEndpoint : exact.table?.get(method);
      if (endpoint?.result) return endpoint.result;
    }
    // Converters run in here, and may look paths up themselves: those lookups
    // get a search of their own while `depth` is up.
    this.depth++;
    try {
      const endpoint = this.tree.find(this.tree.root, path, 1, 0, method, search);
      if (endpoint !== null) return endpoint.result ?? found(endpoint, search.captures);
    } finally {
      this.depth--;
    }
    if (!search.matched) return NOT_FOUND;
    const methods: string[] = [];
    this.tree.collect(this.tree.root, path, 1, methods);
    const allowed = allowedList(methods);
    return method === 'OPTIONS'
      ? { kind: 'options', allowed }
      : { kind: 'method-not-allowed', allowed };
  }
}
