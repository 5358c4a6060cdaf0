import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router } from '../src/router/router.js';

/**
 * Builds a router with `count` routes of several shapes: static prefixes,
 * parameters in front of many static siblings, mixed segments and tails.
 */
function table(count: number): Router<number> {
  const router = new Router<number>();
  const shapes = [
    (i: number) => `/svc${i}/items/{id:int}/detail`,
    (i: number) => `/{tenant}/page${i}`,
    (i: number) => `/docs/v${i}/{rest:path}`,
    (i: number) => `/static/asset${i}.css`,
  ];
  for (let i = 0; i < count; i++) {
    const shape = shapes[i % shapes.length] as (i: number) => string;
    router.add('GET', shape(i), i);
  }
  // Competing parameters at one node, the same in every table.
  router.add('GET', '/mixed/{a:int}/one', -1);
  router.add('GET', '/mixed/{b}/two', -2);
  router.add('GET', '/mixed/{c:float}/three', -3);
  return router;
}

/** Nodes entered by one lookup, and its result kind. */
function visits(router: Router<number>, method: string, path: string): [number, string] {
  const before = router.nodeVisits;
  const result = router.lookup(method, path);
  return [router.nodeVisits - before, result.kind];
}

/** Lookups whose targets exist in both the small and the large table. */
const LOOKUPS: readonly (readonly [string, string, string])[] = [
  ['GET', '/svc4/items/12/detail', 'found'],
  ['GET', '/acme/page5', 'found'],
  ['GET', '/docs/v6/a/b/c', 'found'],
  ['GET', '/static/asset7.css', 'found'],
  ['GET', '/mixed/7/two', 'found'],
  ['GET', '/mixed/7.5/three', 'found'],
  ['GET', '/svc4/items/abc/detail', 'not-found'],
  ['GET', '/acme/page99999', 'not-found'],
  ['GET', '/nowhere/at/all', 'not-found'],
  ['POST', '/svc4/items/12/detail', 'method-not-allowed'],
  ['OPTIONS', '/mixed/7/one', 'options'],
];

describe('router scaling', () => {
  const small = table(12);
  const large = table(1000);

  for (const [method, path, kind] of LOOKUPS) {
    it(`${method} ${path} visits as many nodes with 1,000 routes as with 12`, () => {
      const [few, smallKind] = visits(small, method, path);
      const [many, largeKind] = visits(large, method, path);
      assert.equal(smallKind, kind);
      assert.equal(largeKind, kind);
      assert.equal(many, few, `${few} visits with 12 routes, ${many} with 1,000`);
      assert.ok(many <= 16, `${many} visits is more than the path's shape needs`);
    });
  }

  it('looks up every route of the large table in a bounded number of visits', () => {
    let worst = 0;
    for (let i = 0; i < 1000; i++) {
      const path = [
        `/svc${i}/items/3/detail`,
        `/t${i}/page${i}`,
        `/docs/v${i}/x/y`,
        `/static/asset${i}.css`,
      ][i % 4] as string;
      const before = large.nodeVisits;
      const result = large.lookup('GET', path);
      worst = Math.max(worst, large.nodeVisits - before);
      assert.equal(result.kind === 'found' && result.handler, i, path);
    }
    // The deepest shape has five segments; a visit per node plus its endpoint.
    assert.ok(worst <= 8, `worst lookup visited ${worst} nodes`);
  });

  it('answers fully static paths from the path table without entering the tree', () => {
    const [count, kind] = visits(large, 'GET', '/static/asset3.css');
    assert.equal(kind, 'found');
    assert.equal(count, 0);
  });

  it('counts visits, so the check above can fail', () => {
    const [count] = visits(large, 'GET', '/svc4/items/12/detail');
    assert.ok(count >= 5, `expected at least one visit per segment, got ${count}`);
  });
});
