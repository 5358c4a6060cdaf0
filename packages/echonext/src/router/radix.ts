/**
 * The route tree: a trie whose edges are whole path segments.
 *
 * Every node holds its outgoing edges by kind, and a lookup tries them in
 * this order, depth first:
 *
 * 1. the static child whose text equals the segment (one `Map` lookup, no
 *    regular expression, however many static siblings there are);
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
 * @module
 */

import type { ConverterEntry } from './converters.js';
import type { CompositeSegment, Segment } from './pattern.js';
import { Endpoint, type RouteRecord } from './route.js';

/** An edge for a segment filled by one parameter. */
export class ParamEdge<H> {
  readonly converter: ConverterEntry;
  readonly node: RouteNode<H>;

  constructor(converter: ConverterEntry, node: RouteNode<H>) {
    this.converter = converter;
    this.node = node;
  }
}

/** An edge for a segment mixing literal text and parameters. */
export class CompositeEdge<H> {
  readonly segment: CompositeSegment;
  readonly node: RouteNode<H>;
  /** How many parameters the segment captures. */
  readonly count: number;

  constructor(segment: CompositeSegment, node: RouteNode<H>) {
    this.segment = segment;
    this.node = node;
    this.count = segment.params.length;
  }

  /** Matches `text` and writes the captured parameters from `ordinal` on. */
  capture(text: string, captures: string[], ordinal: number): boolean {
    const segment = this.segment;
    const match = segment.regex.exec(text);
    if (match === null) return false;
    const params = segment.params;
    const groups = segment.groups;
    for (let i = 0; i < params.length; i++) {
      const value = match[groups[i] as number];
      if (value === undefined || value === '') return false;
      if (!(params[i] as { converter: ConverterEntry }).converter.accepts(value)) return false;
      captures[ordinal + i] = value;
    }
    return true;
  }
}

function compareParamEdges<H>(a: ParamEdge<H>, b: ParamEdge<H>): number {
  const rank = a.converter.rank - b.converter.rank;
  if (rank !== 0) return rank;
  return a.converter.name < b.converter.name ? -1 : a.converter.name > b.converter.name ? 1 : 0;
}

function compareCompositeEdges<H>(a: CompositeEdge<H>, b: CompositeEdge<H>): number {
  const length = b.segment.literalLength - a.segment.literalLength;
  if (length !== 0) return length;
  return a.segment.key < b.segment.key ? -1 : a.segment.key > b.segment.key ? 1 : 0;
}

/** A node of the tree. Every field is set in the constructor so that all nodes share one shape. */
export class RouteNode<H> {
  statics: Map<string, RouteNode<H>> | null = null;
  composites: CompositeEdge<H>[] | null = null;
  params: ParamEdge<H>[] | null = null;
  tail: RouteNode<H> | null = null;
  tailConverter: ConverterEntry | null = null;
  /** The routes ending here; several only when they differ in parameter names and methods. */
  routes: RouteRecord<H>[] | null = null;
  /** Method to endpoint, with the implicit `HEAD`; `null` until a route ends here. */
  table: Map<string, Endpoint<H>> | null = null;

  /** Rebuilds `table` from `routes` after a handler was added. */
  rebuildTable(): void {
    const table = new Map<string, Endpoint<H>>();
    for (const route of this.routes ?? []) {
      for (const [method, handler] of route.handlers) {
        table.set(method, new Endpoint(route, handler, false));
      }
    }
    const get = table.get('GET');
    if (get !== undefined && !table.has('HEAD')) {
      table.set('HEAD', new Endpoint(get.route, get.handler, true));
    }
    this.table = table;
  }
}

function sameKind<H>(node: RouteNode<H>, segment: Segment, create: boolean): RouteNode<H> | null {
  switch (segment.kind) {
    case 'static': {
      let child = node.statics?.get(segment.text);
      if (child === undefined && create) {
        child = new RouteNode<H>();
        node.statics ??= new Map();
        node.statics.set(segment.text, child);
      }
      return child ?? null;
    }
    case 'param': {
      const edge = node.params?.find((e) => e.converter === segment.converter);
      if (edge !== undefined) return edge.node;
      if (!create) return null;
      const created = new ParamEdge(segment.converter, new RouteNode<H>());
      node.params = [...(node.params ?? []), created].sort(compareParamEdges);
      return created.node;
    }
    case 'composite': {
      const edge = node.composites?.find((e) => e.segment.key === segment.key);
      if (edge !== undefined) return edge.node;
      if (!create) return null;
      const created = new CompositeEdge(segment, new RouteNode<H>());
      node.composites = [...(node.composites ?? []), created].sort(compareCompositeEdges);
      return created.node;
    }
    case 'path': {
      if (node.tail === null && create) {
        node.tail = new RouteNode<H>();
        node.tailConverter = segment.converter;
      }
      return node.tail;
    }
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
      node = sameKind(node, segment, create);
      if (node === null) return null;
    }
    return node;
  }

  /**
   * Finds the first endpoint, in priority order, that matches the path from
   * `start` (just after a `/`) and takes `method`. Parameter texts are written
   * to `captures` from `ordinal` on; only the successful branch's are valid.
   */
  find(
    node: RouteNode<H>,
    path: string,
    start: number,
    ordinal: number,
    method: string,
    captures: string[],
  ): Endpoint<H> | null {
    this.visits++;
    let end = path.indexOf('/', start);
    const last = end === -1;
    if (last) end = path.length;
    const segment = path.slice(start, end);
    let hit: Endpoint<H> | null = null;

    const statics = node.statics;
    if (statics !== null) {
      const child = statics.get(segment);
      if (child !== undefined) {
        hit = last
          ? this.endpoint(child, method)
          : this.find(child, path, end + 1, ordinal, method, captures);
        if (hit !== null) return hit;
      }
    }
    if (segment.length !== 0) {
      const composites = node.composites;
      if (composites !== null) {
        for (let i = 0; i < composites.length; i++) {
          const edge = composites[i] as CompositeEdge<H>;
          if (!edge.capture(segment, captures, ordinal)) continue;
          hit = last
            ? this.endpoint(edge.node, method)
            : this.find(edge.node, path, end + 1, ordinal + edge.count, method, captures);
          if (hit !== null) return hit;
        }
      }
      const params = node.params;
      if (params !== null) {
        for (let i = 0; i < params.length; i++) {
          const edge = params[i] as ParamEdge<H>;
          if (!edge.converter.accepts(segment)) continue;
          captures[ordinal] = segment;
          hit = last
            ? this.endpoint(edge.node, method)
            : this.find(edge.node, path, end + 1, ordinal + 1, method, captures);
          if (hit !== null) return hit;
        }
      }
    }
    const tail = node.tail;
    if (tail !== null && start < path.length) {
      const rest = last ? segment : path.slice(start);
      if ((node.tailConverter as ConverterEntry).accepts(rest)) {
        captures[ordinal] = rest;
        hit = this.endpoint(tail, method);
      }
    }
    return hit;
  }

  /**
   * Adds to `methods` the explicit methods of every route that matches the
   * path from `start`, whatever its priority. Used only after `find` failed,
   * to answer 405 and `OPTIONS`. Returns whether any route matched.
   */
  collect(node: RouteNode<H>, path: string, start: number, methods: string[]): boolean {
    this.visits++;
    let end = path.indexOf('/', start);
    const last = end === -1;
    if (last) end = path.length;
    const segment = path.slice(start, end);
    let matched = false;

    const child = node.statics?.get(segment);
    if (child !== undefined) {
      matched =
        (last ? this.terminal(child, methods) : this.collect(child, path, end + 1, methods)) ||
        matched;
    }
    if (segment.length !== 0) {
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
    if (node.tail !== null && start < path.length) {
      if ((node.tailConverter as ConverterEntry).accepts(last ? segment : path.slice(start))) {
        matched = this.terminal(node.tail, methods) || matched;
      }
    }
    return matched;
  }

  private endpoint(node: RouteNode<H>, method: string): Endpoint<H> | null {
    this.visits++;
    const table = node.table;
    if (table === null) return null;
    return table.get(method) ?? null;
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
