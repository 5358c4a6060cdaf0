/**
 * The nodes of the route tree and their edges, and how a pattern's segments
 * find or add their way down it. The search itself is in the `radix` module.
 *
 * Static children are kept as parallel lists of texts and nodes, compared
 * in place with a segment of the path (no text cut out of it), and in a
 * `Map` as well once a node has many. Each node also records which kinds of
 * edges leave it, so that the search can go down nodes with a single way on
 * without recursion.
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

/**
 * Above this many static children a node also keeps them in a `Map`: below
 * it, comparing the segment in place with each sibling of the same length is
 * cheaper than cutting it out of the path and hashing it.
 */
const MAP_THRESHOLD = 16;

/** Static children only, or no edges at all. */
export const EDGES_STATIC = 0;
/** One parameter edge and nothing else. */
export const EDGES_PARAM = 1;
/** Anything else: the search may have to try several edges. */
export const EDGES_MIXED = 2;

/** A node of the tree. Every field is set in the constructor so that all nodes share one shape. */
export class RouteNode<H> {
  /** The texts of the static children, in the order added; `staticNodes` holds the nodes. */
  staticKeys: string[] | null = null;
  staticNodes: RouteNode<H>[] | null = null;
  /** The static children by text, once there are more than {@link MAP_THRESHOLD}. */
  staticMap: Map<string, RouteNode<H>> | null = null;
  /** The static child for an empty last segment (`/blog/` below `/blog`). */
  slashChild: RouteNode<H> | null = null;
  composites: CompositeEdge<H>[] | null = null;
  params: ParamEdge<H>[] | null = null;
  tail: RouteNode<H> | null = null;
  tailConverter: ConverterEntry | null = null;
  /** The routes ending here; several only when they differ in parameter names and methods. */
  routes: RouteRecord<H>[] | null = null;
  /** Method to endpoint, with the implicit `HEAD`; `null` until a route ends here. */
  table: Map<string, Endpoint<H>> | null = null;
  /** `table.get('GET')`, the method asked most, without hashing it. */
  getEndpoint: Endpoint<H> | null = null;
  /**
   * Which edges leave the node: with static children only, or a single
   * parameter edge only, a segment has at most one way on, so the search
   * goes down without recursion and without anything to come back to.
   */
  edges: number = EDGES_STATIC;

  /** Recomputes {@link RouteNode.edges} after an edge was added. */
  updateEdges(): void {
    const params = this.params;
    if (this.composites !== null || this.tail !== null) this.edges = EDGES_MIXED;
    else if (params === null) this.edges = EDGES_STATIC;
    else if (this.staticKeys === null && params.length === 1) this.edges = EDGES_PARAM;
    else this.edges = EDGES_MIXED;
  }

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
    this.getEndpoint = get ?? null;
  }

  /** The static child for the text of `path` from `start` to `end`. */
  staticChild(path: string, start: number, end: number): RouteNode<H> | undefined {
    const map = this.staticMap;
    if (map !== null) return map.get(path.slice(start, end));
    const keys = this.staticKeys;
    if (keys === null) return undefined;
    const length = end - start;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (key.length === length && path.startsWith(key, start)) {
        return (this.staticNodes as RouteNode<H>[])[i];
      }
    }
    return undefined;
  }

  /** Adds a static child; the caller has checked that none has this text. */
  addStatic(text: string, child: RouteNode<H>): void {
    this.staticKeys ??= [];
    this.staticNodes ??= [];
    const keys = this.staticKeys;
    const nodes = this.staticNodes;
    keys.push(text);
    nodes.push(child);
    if (text === '') this.slashChild = child;
    if (this.staticMap !== null) {
      this.staticMap.set(text, child);
    } else if (keys.length > MAP_THRESHOLD) {
      const map = new Map<string, RouteNode<H>>();
      for (let i = 0; i < keys.length; i++) map.set(keys[i] as string, nodes[i] as RouteNode<H>);
      this.staticMap = map;
    }
  }
}

/**
 * The child of `node` along `segment`, an edge of the same kind and text (or
 * converter); with `create`, added when missing, else `null` when missing.
 */
export function childFor<H>(
  node: RouteNode<H>,
  segment: Segment,
  create: boolean,
): RouteNode<H> | null {
  switch (segment.kind) {
    case 'static': {
      const text = segment.text;
      let child = node.staticChild(text, 0, text.length);
      if (child === undefined && create) {
        child = new RouteNode<H>();
        node.addStatic(text, child);
        node.updateEdges();
      }
      return child ?? null;
    }
    case 'param': {
      const edge = node.params?.find((e) => e.converter === segment.converter);
      if (edge !== undefined) return edge.node;
      if (!create) return null;
      const created = new ParamEdge(segment.converter, new RouteNode<H>());
      node.params = [...(node.params ?? []), created].sort(compareParamEdges);
      node.updateEdges();
      return created.node;
    }
    case 'composite': {
      const edge = node.composites?.find((e) => e.segment.key === segment.key);
      if (edge !== undefined) return edge.node;
      if (!create) return null;
      const created = new CompositeEdge(segment, new RouteNode<H>());
      node.composites = [...(node.composites ?? []), created].sort(compareCompositeEdges);
      node.updateEdges();
      return created.node;
    }
    case 'path': {
      if (node.tail === null && create) {
        node.tail = new RouteNode<H>();
        node.tailConverter = segment.converter;
        node.updateEdges();
      }
      return node.tail;
    }
  }
}
