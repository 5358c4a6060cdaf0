/**
 * The route tree: a trie whose edges are whole path segments.
 *
 * Every node holds its outgoing edges by kind, and a lookup tries them in
 * this order, depth first:
 *
 * 1. the static child whose text equals the segment: compared in place with
 *    the few siblings a node usually has, found with one `Map` lookup once it
 *    has many, never with a regular expression;
 * 2. mixed segments (`{name}.{ext}`), the ones with more literal text first;
 * 3. one-segment parameters, by converter rank (`int`, `uuid`, `float`, user
 *    converters, `str`), then by converter name;
 * 4. the `path` tail, which takes the rest of the path.
 *
 * An edge whose subtree does not end in a handler for the method is left and
 * the next edge tried (backtracking), so `/a/{x:int}/b` and `/a/{y}/c` both
 * serve `/a/1/c`. The first match in this order wins, which makes the result
 * independent of the order routes were registered in.
 *
 * The work of a lookup is bounded by the path's segment count times the
 * number of edges per node, never by the number of routes. `visits` counts
 * the nodes entered, so tests can check that.
 *
 * A search that fails has entered every branch that matches the path, so it
 * also tells, at no extra walk, whether some route matched the path for
 * another method (the router then answers 405 or `OPTIONS`) and whether the
 * path with its trailing slash toggled would match (the trailing-slash
 * policy). Segments are read as ranges of the path: text is cut out only for
 * a parameter that is accepted, or for a converter of the user's.
 *
 * @module
 */

import type { ConverterEntry } from './converters.js';
import {
  type CompositeEdge,
  childFor,
  EDGES_PARAM,
  EDGES_STATIC,
  type ParamEdge,
  RouteNode,
} from './node.js';
import type { Segment } from './pattern.js';
import type { Endpoint } from './route.js';

/**
 * The state of one search: the parameter texts of the branch being tried, and
 * what a failed search learned on its way. Reused between lookups.
 */
export class Search {
  /** Parameter texts by ordinal; only the successful branch's are valid. */
  readonly captures: string[] = [];
  /** A route matched the whole path but has no handler for the method. */
  matched = false;
  /** The path with its trailing slash toggled matches a route (for some method). */
  twin = false;

  /** Clears the findings before a search. */
  reset(): void {
    this.matched = false;
    this.twin = false;
  }
}

/** The tree and its search. Internal to the router. */
export class RadixTree<H> {
  readonly root = new RouteNode<H>();
  /** Nodes entered by lookups so far; a diagnostic for tests, never reset by the tree. */
  visits = 0;

  /**
   * The node a pattern's segments end at. With `create`, missing nodes are
   * added; without, `null` tells that no route has this shape yet.
   */
  locate(segments: readonly Segment[], create: boolean): RouteNode<H> | null {
    let node: RouteNode<H> | null = this.root;
    for (const segment of segments) {
      node = childFor(node, segment, create);
      if (node === null) return null;
    }
    return node;
  }

  /**
   * Finds the first endpoint, in priority order, that matches the path from
   * `start` (just after a `/`) and takes `method`. Parameter texts are written
   * to `search.captures` from `ordinal` on. When it returns `null`, every
   * matching branch was entered, and `search` says whether a route matched
   * for another method and whether the trailing-slash twin of the path would.
   */
  find(
    node: RouteNode<H>,
    path: string,
    start: number,
    ordinal: number,
    method: string,
    search: Search,
  ): Endpoint<H> | null {
    // Down through nodes with a single way on, in a loop; a node where the
    // search may branch is left to `branch`, which recurses.
    for (;;) {
      this.visits++;
      let end = path.indexOf('/', start);
      const last = end === -1;
      if (last) {
        end = path.length;
        // The path ends with `/` here: without it, the path ends at this node.
        if (start === end && node.table !== null) search.twin = true;
      }
      let next: RouteNode<H> | undefined;
      const edges = node.edges;
      if (edges === EDGES_STATIC) {
        next = node.staticChild(path, start, end);
        if (next === undefined) return null;
      } else if (edges === EDGES_PARAM) {
        const edge = (node.params as ParamEdge<H>[])[0] as ParamEdge<H>;
        if (end === start || !edge.converter.acceptsAt(path, start, end)) return null;
        search.captures[ordinal++] = path.slice(start, end);
        next = edge.node;
      } else {
        return this.branch(node, path, start, end, last, ordinal, method, search);
      }
      if (last) return this.endpoint(next, method, search);
      node = next;
      start = end + 1;
    }
  }

  /** `find` at a node with several kinds of edges: each is tried in priority order. */
  private branch(
    node: RouteNode<H>,
    path: string,
    start: number,
    end: number,
    last: boolean,
    ordinal: number,
    method: string,
    search: Search,
  ): Endpoint<H> | null {
    let hit: Endpoint<H> | null = null;
    const child = node.staticChild(path, start, end);
    if (child !== undefined) {
      hit = last
        ? this.endpoint(child, method, search)
        : this.find(child, path, end + 1, ordinal, method, search);
      if (hit !== null) return hit;
    }
    if (end !== start) {
      let segment: string | null = null;
      const composites = node.composites;
      if (composites !== null) {
        segment = path.slice(start, end);
        for (let i = 0; i < composites.length; i++) {
          const edge = composites[i] as CompositeEdge<H>;
          if (!edge.capture(segment, search.captures, ordinal)) continue;
          hit = last
            ? this.endpoint(edge.node, method, search)
            : this.find(edge.node, path, end + 1, ordinal + edge.count, method, search);
          if (hit !== null) return hit;
        }
      }
      const params = node.params;
      if (params !== null) {
        for (let i = 0; i < params.length; i++) {
          const edge = params[i] as ParamEdge<H>;
          if (!edge.converter.acceptsAt(path, start, end)) continue;
          if (segment === null) segment = path.slice(start, end);
          search.captures[ordinal] = segment;
          hit = last
            ? this.endpoint(edge.node, method, search)
            : this.find(edge.node, path, end + 1, ordinal + 1, method, search);
          if (hit !== null) return hit;
        }
      }
    }
    const tail = node.tail;
    if (
      tail !== null &&
      start < path.length &&
      (node.tailConverter as ConverterEntry).acceptsAt(path, start, path.length)
    ) {
      search.captures[ordinal] = path.slice(start);
      hit = this.endpoint(tail, method, search);
    }
    return hit;
  }

  /**
   * Adds to `methods` the explicit methods of every route that matches the
   * path from `start`, whatever its priority. Used only after `find` found
   * that some route matches, to answer 405 and `OPTIONS`.
   */
  collect(node: RouteNode<H>, path: string, start: number, methods: string[]): boolean {
    this.visits++;
    let end = path.indexOf('/', start);
    const last = end === -1;
    if (last) end = path.length;
    let matched = false;

    const child = node.staticChild(path, start, end);
    if (child !== undefined) {
      matched =
        (last ? this.terminal(child, methods) : this.collect(child, path, end + 1, methods)) ||
        matched;
    }
    if (end !== start) {
      const segment = path.slice(start, end);
      const scratch: string[] = [];
      for (const edge of node.composites ?? []) {
        if (!edge.capture(segment, scratch, 0)) continue;
        matched =
          (last
            ? this.terminal(edge.node, methods)
            : this.collect(edge.node, path, end + 1, methods)) || matched;
      }
      for (const edge of node.params ?? []) {
        if (!edge.converter.accepts(segment)) continue;
        matched =
          (last
            ? this.terminal(edge.node, methods)
            : this.collect(edge.node, path, end + 1, methods)) || matched;
      }
    }
    if (
      node.tail !== null &&
      start < path.length &&
      (node.tailConverter as ConverterEntry).acceptsAt(path, start, path.length)
    ) {
      matched = this.terminal(node.tail, methods) || matched;
    }
    return matched;
  }

  /**
   * The endpoint of `node` for `method`, for the last segment of the path.
   * On a miss, notes in `search` whether the node ends a route (for another
   * method) and whether the path with a `/` added would end one.
   */
  private endpoint(node: RouteNode<H>, method: string, search: Search): Endpoint<H> | null {
    this.visits++;
    const table = node.table;
    if (table !== null) {
      const hit = method === 'GET' ? node.getEndpoint : (table.get(method) ?? null);
      if (hit !== null) return hit;
      search.matched = true;
    }
    // Only a static empty segment matches an empty last segment, and a node
    // reached by an empty segment has no children: this fires only for a path
    // that does not end with `/`.
    const slash = node.slashChild;
    if (slash !== null && slash.table !== null) search.twin = true;
    return null;
  }

  private terminal(node: RouteNode<H>, methods: string[]): boolean {
    this.visits++;
    const routes = node.routes;
    if (routes === null) return false;
    for (const route of routes) {
      for (const method of route.handlers.keys()) {
        if (!methods.includes(method)) methods.push(method);
      }
    }
    return true;
  }
}
