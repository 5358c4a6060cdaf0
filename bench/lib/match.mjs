/**
 * The hand-written matcher used by the contenders that have no router of
 * their own (bare `node:http`, the bare TSGI app, Koa, srvx): a trie of whole
 * path segments, one `Map` lookup per static segment, a parameter slot per
 * node, static before parameter with backtracking. It is roughly what a
 * careful person writes by hand for a fixed table, and it sets the floor of
 * routing cost in the route scenario and in the router benchmark.
 */

function node() {
  return { statics: new Map(), param: null, leaf: null };
}

/**
 * Compiles `routes` into a matcher.
 *
 * @template T
 * @param {{ brace: string, params: string[] }[]} routes the table
 * @param {(route: object) => T} valueFor what a match hands back for each route
 * @returns {(path: string) => { value: T, params: Record<string, string> } | null}
 */
export function compileMatcher(routes, valueFor) {
  const root = node();
  for (const route of routes) {
    let at = root;
    for (const segment of route.brace.slice(1).split('/')) {
      if (segment.startsWith('{')) {
        at.param ??= node();
        at = at.param;
      } else {
        let next = at.statics.get(segment);
        if (next === undefined) {
          next = node();
          at.statics.set(segment, next);
        }
        at = next;
      }
    }
    at.leaf = { value: valueFor(route), names: route.params };
  }

  const values = [];
  function find(at, path, start) {
    let end = path.indexOf('/', start);
    const last = end === -1;
    if (last) end = path.length;
    const segment = path.slice(start, end);
    const next = at.statics.get(segment);
    if (next !== undefined) {
      const hit = last ? next.leaf : find(next, path, end + 1);
      if (hit !== null) return hit;
    }
    if (at.param !== null && segment.length > 0) {
      values.push(segment);
      const hit = last ? at.param.leaf : find(at.param, path, end + 1);
      if (hit !== null) return hit;
      values.pop();
    }
    return null;
  }

  return (path) => {
    if (path.charCodeAt(0) !== 47) return null;
    values.length = 0;
    const leaf = find(root, path, 1);
    if (leaf === null) return null;
    const params = {};
    for (let i = 0; i < leaf.names.length; i++) params[leaf.names[i]] = values[i];
    return { value: leaf.value, params };
  };
}
