import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PatternParams } from '../src/router/pattern.js';
import type { RouteMatch } from '../src/router/route.js';
import { Router } from '../src/router/router.js';

/** One registration: methods, pattern, the handler (an id), and a route name. */
type RouteRow = readonly [
  methods: string | readonly string[],
  pattern: string,
  id: string,
  name: string,
];

/** The shared table of routes. Names are unique so that every row can be built back with urlFor. */
const ROUTES: readonly RouteRow[] = [
  ['GET', '/', 'root', 'root'],
  ['GET', '/index', 'index', 'index'],
  ['GET', '/{page}', 'page', 'page'],
  ['GET', '/article/{article_id}', 'article', 'article'],
  ['GET', '/article/new', 'article-new', 'article-new'],
  ['GET', '/article/{id:int}', 'article-int', 'article-int'],
  ['GET', '/item/{u:uuid}', 'item-uuid', 'item-uuid'],
  ['GET', '/item/{n:float}', 'item-float', 'item-float'],
  ['GET', '/item/{n:int}', 'item-int', 'item-int'],
  ['GET', '/item/{slug}', 'item-str', 'item-str'],
  ['GET', '/a/{x:int}/b', 'a-int-b', 'a-int-b'],
  ['GET', '/a/{y}/c', 'a-str-c', 'a-str-c'],
  ['GET', '/files/{name}.{ext}', 'file', 'file'],
  ['GET', '/files/readme', 'readme', 'readme'],
  ['GET', '/files/{name}', 'file-bare', 'file-bare'],
  ['GET', '/v{version:int}/status', 'versioned', 'versioned'],
  ['GET', '/static/favicon.ico', 'favicon', 'favicon'],
  ['GET', '/static/{rest:path}', 'static', 'static'],
  ['GET', '/docs/{section}/{rest:path}', 'docs', 'docs'],
  ['GET', '/blog', 'blog', 'blog'],
  ['GET', '/blog/', 'blog-slash', 'blog-slash'],
  [['GET', 'PUT'], '/users/{id:int}', 'user', 'user'],
  ['DELETE', '/users/{uid:int}', 'user-delete', 'user-delete'],
  ['GET', '/caf\u00e9/{dish}', 'cafe', 'cafe'],
];

/** A lookup and what it must give: the handler id and params, or `null` for not-found. */
type CaseRow = readonly [
  method: string,
  path: string,
  id: string | null,
  params?: Readonly<Record<string, unknown>>,
];

const UUID = '123e4567-e89b-12d3-a456-426614174000';

const CASES: readonly CaseRow[] = [
  ['GET', '/', 'root', {}],
  ['GET', '/index', 'index', {}],
  ['GET', '/about', 'page', { page: 'about' }],
  ['GET', '/article/new', 'article-new', {}],
  ['GET', '/article/42', 'article-int', { id: 42 }],
  ['GET', '/article/0', 'article-int', { id: 0 }],
  ['GET', '/article/hello-world', 'article', { article_id: 'hello-world' }],
  ['GET', '/article/042', 'article', { article_id: '042' }],
  ['GET', '/article/-1', 'article', { article_id: '-1' }],
  ['GET', `/item/${UUID}`, 'item-uuid', { u: UUID }],
  ['GET', `/item/${UUID.toUpperCase()}`, 'item-uuid', { u: UUID }],
  ['GET', '/item/7', 'item-int', { n: 7 }],
  ['GET', '/item/7.5', 'item-float', { n: 7.5 }],
  ['GET', '/item/-2', 'item-float', { n: -2 }],
  ['GET', '/item/1e3', 'item-float', { n: 1000 }],
  ['GET', '/item/seven', 'item-str', { slug: 'seven' }],
  ['GET', '/a/1/b', 'a-int-b', { x: 1 }],
  ['GET', '/a/1/c', 'a-str-c', { y: '1' }],
  ['GET', '/a/one/c', 'a-str-c', { y: 'one' }],
  ['GET', '/a/one/b', null],
  ['GET', '/files/readme', 'readme', {}],
  ['GET', '/files/report.pdf', 'file', { name: 'report', ext: 'pdf' }],
  ['GET', '/files/archive.tar.gz', 'file', { name: 'archive.tar', ext: 'gz' }],
  ['GET', '/files/noext', 'file-bare', { name: 'noext' }],
  ['GET', '/files/.hidden', 'file-bare', { name: '.hidden' }],
  ['GET', '/v2/status', 'versioned', { version: 2 }],
  ['GET', '/v02/status', null],
  ['GET', '/static/favicon.ico', 'favicon', {}],
  ['GET', '/static/css/site.css', 'static', { rest: 'css/site.css' }],
  ['GET', '/static/favicon.ico/x', 'static', { rest: 'favicon.ico/x' }],
  ['GET', '/static/dir/', 'static', { rest: 'dir/' }],
  ['GET', '/docs/guide/a/b/c', 'docs', { section: 'guide', rest: 'a/b/c' }],
  ['GET', '/docs/guide', null],
  ['GET', '/blog', 'blog', {}],
  ['GET', '/blog/', 'blog-slash', {}],
  ['GET', '/users/5', 'user', { id: 5 }],
  ['PUT', '/users/5', 'user', { id: 5 }],
  ['DELETE', '/users/5', 'user-delete', { uid: 5 }],
  ['GET', '/caf\u00e9/cr\u00eape', 'cafe', { dish: 'cr\u00eape' }],
  ['GET', '/nothing/here/at/all', null],
];

function build(rows: readonly RouteRow[], router = new Router<string>()): Router<string> {
  for (const [methods, pattern, id, name] of rows) router.add(methods, pattern, id, { name });
  return router;
}

/** A seeded shuffle, so that a failure can be reproduced. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function assertCase(router: Router<string>, row: CaseRow, label: string): void {
  const [method, path, id, params] = row;
  const result = router.lookup(method, path);
  if (id === null) {
    assert.equal(result.kind, 'not-found', `${label}: ${method} ${path}`);
    return;
  }
  assert.equal(result.kind, 'found', `${label}: ${method} ${path} gave ${result.kind}`);
  if (result.kind !== 'found') return;
  assert.equal(result.handler, id, `${label}: ${method} ${path}`);
  if (params !== null && params !== undefined) {
    assert.deepEqual({ ...result.params }, params, `${label}: params of ${method} ${path}`);
  }
}

describe('router: the shared table', () => {
  it('matches every case in registration order', () => {
    const router = build(ROUTES);
    for (const row of CASES) assertCase(router, row, 'forward');
  });

  it('matches every case in reverse registration order', () => {
    const router = build(ROUTES.slice().reverse());
    for (const row of CASES) assertCase(router, row, 'reverse');
  });

  it('matches every case in shuffled registration orders', () => {
    for (const seed of [1, 7, 42, 1234, 99991]) {
      const router = build(shuffled(ROUTES, seed));
      for (const row of CASES) assertCase(router, row, `seed ${seed}`);
    }
  });

  it('builds every matched case back with urlFor, and the built path looks up the same', () => {
    const router = build(ROUTES);
    for (const [method, path] of CASES) {
      const first = router.lookup(method, path);
      if (first.kind !== 'found') continue;
      const name = first.route.names[0] as string;
      const url = router.urlFor(name, first.params);
      const again = router.lookup(method, decodeURIComponent(url));
      assert.equal(again.kind, 'found', `${path} -> ${url}`);
      if (again.kind !== 'found') continue;
      assert.equal(again.route, first.route, `${path} -> ${url}`);
      assert.deepEqual({ ...again.params }, { ...first.params }, `${path} -> ${url}`);
    }
  });

  it('reports the route, with its pattern, names and parameter names', () => {
    const router = build(ROUTES);
    const result = router.lookup('GET', '/docs/intro/x');
    assert.equal(result.kind, 'found');
    if (result.kind !== 'found') return;
    assert.equal(result.route.pattern, '/docs/{section}/{rest:path}');
    assert.deepEqual(result.route.names, ['docs']);
    assert.deepEqual(result.route.paramNames, ['section', 'rest']);
    assert.equal(result.route.handlers.get('GET'), 'docs');
    assert.equal(router.routes.length, ROUTES.length);
  });
});

/** `true` when each type is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe('router: parameter types', () => {
  it('derives the params type from a pattern literal, matching the names the router reports', () => {
    const article: Same<
      PatternParams<'/article/{id:int}/{slug}'>,
      { id: number; slug: string }
    > = true;
    const mixed: Same<
      PatternParams<'/f/{name}.{ext}/{n:float}/{u:uuid}/{rest:path}'>,
      { name: string; ext: string; n: number; u: string; rest: string }
    > = true;
    const none: Same<keyof PatternParams<'/index'>, never> = true;
    const custom: Same<PatternParams<'/d/{day:date}'>, { day: unknown }> = true;
    const narrower: Same<PatternParams<'/a/{x:int}'>, { x: string }> = false;
    assert.deepEqual([article, mixed, none, custom, narrower], [true, true, true, true, false]);
    const router = new Router<string>();
    const route = router.add('GET', '/f/{name}.{ext}/{n:float}/{u:uuid}/{rest:path}', 'f');
    const keys: (keyof PatternParams<'/f/{name}.{ext}/{n:float}/{u:uuid}/{rest:path}'>)[] = [
      'name',
      'ext',
      'n',
      'u',
      'rest',
    ];
    assert.deepEqual(route.paramNames, keys);
  });
});

describe('router: priority', () => {
  it('prefers a static route to a parameterized one whichever is added first', () => {
    for (const order of [0, 1]) {
      const router = new Router<string>();
      const rows: [string, string][] = [
        ['/article/new', 'static'],
        ['/article/{id}', 'param'],
      ];
      if (order === 1) rows.reverse();
      for (const [pattern, id] of rows) router.add('GET', pattern, id);
      assert.equal((router.lookup('GET', '/article/new') as { handler: string }).handler, 'static');
      assert.equal((router.lookup('GET', '/article/old') as { handler: string }).handler, 'param');
    }
  });

  it('tries int, uuid and float before str, and path last, whichever is added first', () => {
    const patterns: [string, string][] = [
      ['/p/{v:path}', 'path'],
      ['/p/{v}', 'str'],
      ['/p/{v:float}', 'float'],
      ['/p/{v:uuid}', 'uuid'],
      ['/p/{v:int}', 'int'],
    ];
    for (const rows of [patterns, patterns.slice().reverse()]) {
      const router = new Router<string>();
      for (const [pattern, id] of rows) router.add('GET', pattern, id);
      const handler = (path: string) => (router.lookup('GET', path) as { handler: string }).handler;
      assert.equal(handler('/p/12'), 'int');
      assert.equal(handler(`/p/${UUID}`), 'uuid');
      assert.equal(handler('/p/1.25'), 'float');
      assert.equal(handler('/p/word'), 'str');
      assert.equal(handler('/p/two/segments'), 'path');
    }
  });

  it('backtracks out of a static branch that dead-ends', () => {
    const router = new Router<string>();
    router.add('GET', '/shop/cart/items', 'cart-items');
    router.add('GET', '/shop/{section}/view', 'section-view');
    const result = router.lookup('GET', '/shop/cart/view');
    assert.equal(result.kind, 'found');
    assert.deepEqual(result.kind === 'found' && { ...result.params }, { section: 'cart' });
  });

  it('backtracks through several levels and keeps only the winning branch params', () => {
    const router = new Router<string>();
    router.add('GET', '/{a:int}/{b:int}/x', 'ints');
    router.add('GET', '/{c:int}/{d}/y', 'int-str');
    router.add('GET', '/{e}/{f}/z', 'strs');
    const z = router.lookup('GET', '/1/2/z');
    assert.equal(z.kind === 'found' && z.handler, 'strs');
    assert.deepEqual(z.kind === 'found' && { ...z.params }, { e: '1', f: '2' });
    const y = router.lookup('GET', '/1/2/y');
    assert.deepEqual(y.kind === 'found' && { ...y.params }, { c: 1, d: '2' });
  });

  it('prefers the mixed segment with more literal text', () => {
    for (const reverse of [false, true]) {
      const router = new Router<string>();
      const rows: [string, string][] = [
        ['/d/{name}.{ext}', 'dot'],
        ['/d/{name}.tar.{ext}', 'tar'],
        ['/d/{name}', 'bare'],
      ];
      if (reverse) rows.reverse();
      for (const [pattern, id] of rows) router.add('GET', pattern, id);
      const tar = router.lookup('GET', '/d/src.tar.gz');
      assert.equal(tar.kind === 'found' && tar.handler, 'tar');
      assert.deepEqual(tar.kind === 'found' && { ...tar.params }, { name: 'src', ext: 'gz' });
      const dot = router.lookup('GET', '/d/a.b');
      assert.equal(dot.kind === 'found' && dot.handler, 'dot');
    }
  });

  it('never lets a parameter capture an empty segment', () => {
    const router = new Router<string>({ trailingSlash: 'strict' });
    router.add('GET', '/a/{x}', 'x');
    router.add('GET', '/b/{y}/end', 'never');
    router.add('GET', '/c/{rest:path}', 'never');
    assert.equal(router.lookup('GET', '/a/').kind, 'not-found');
    assert.equal(router.lookup('GET', '/b//end').kind, 'not-found');
    assert.equal(router.lookup('GET', '/c/').kind, 'not-found');
    assert.equal(router.lookup('GET', '/b/y/end').kind, 'found');
  });
});

describe('router: methods', () => {
  function methodsRouter(): Router<string> {
    const router = new Router<string>();
    router.add(['GET', 'POST'], '/things', 'things');
    router.add('DELETE', '/things/{id:int}', 'delete-thing');
    router.add('GET', '/things/{name}', 'thing-by-name');
    router.add('PURGE', '/cache', 'purge');
    router.add('HEAD', '/probe', 'probe-head');
    router.add('GET', '/probe', 'probe-get');
    router.add('OPTIONS', '/custom', 'custom-options');
    router.add('GET', '/custom', 'custom-get');
    return router;
  }

  it('answers method-not-allowed with the sorted allowed list, adding HEAD and OPTIONS', () => {
    const result = methodsRouter().lookup('PATCH', '/things');
    assert.deepEqual(result, {
      kind: 'method-not-allowed',
      allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'],
    });
  });

  it('does not add HEAD when the path has no GET', () => {
    const result = methodsRouter().lookup('GET', '/cache');
    assert.deepEqual(result, { kind: 'method-not-allowed', allowed: ['OPTIONS', 'PURGE'] });
  });

  it('accepts any uppercase method token', () => {
    const result = methodsRouter().lookup('PURGE', '/cache');
    assert.equal(result.kind === 'found' && result.handler, 'purge');
  });

  it('lists the methods of every route that matches the path, not only the first', () => {
    const result = methodsRouter().lookup('PUT', '/things/5');
    assert.deepEqual(result, {
      kind: 'method-not-allowed',
      allowed: ['DELETE', 'GET', 'HEAD', 'OPTIONS'],
    });
  });

  it('lets the method decide between routes that match the same path', () => {
    const router = methodsRouter();
    const del = router.lookup('DELETE', '/things/5');
    assert.equal(del.kind === 'found' && del.handler, 'delete-thing');
    assert.deepEqual(del.kind === 'found' && { ...del.params }, { id: 5 });
    const get = router.lookup('GET', '/things/5');
    assert.equal(get.kind === 'found' && get.handler, 'thing-by-name');
    assert.deepEqual(get.kind === 'found' && { ...get.params }, { name: '5' });
  });

  it('serves HEAD with the GET handler when there is no HEAD handler', () => {
    const result = methodsRouter().lookup('HEAD', '/things');
    assert.equal(result.kind, 'found');
    assert.equal(result.kind === 'found' && result.handler, 'things');
    assert.equal(result.kind === 'found' && result.implicitHead, true);
    const get = methodsRouter().lookup('GET', '/things');
    assert.equal(get.kind === 'found' && get.implicitHead, false);
  });

  it('prefers an explicit HEAD handler', () => {
    const result = methodsRouter().lookup('HEAD', '/probe');
    assert.equal(result.kind === 'found' && result.handler, 'probe-head');
    assert.equal(result.kind === 'found' && result.implicitHead, false);
  });

  it('answers OPTIONS with the allowed list when there is no OPTIONS handler', () => {
    const result = methodsRouter().lookup('OPTIONS', '/things');
    assert.deepEqual(result, { kind: 'options', allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'] });
  });

  it('runs an explicit OPTIONS handler', () => {
    const result = methodsRouter().lookup('OPTIONS', '/custom');
    assert.equal(result.kind === 'found' && result.handler, 'custom-options');
    const denied = methodsRouter().lookup('POST', '/custom');
    assert.deepEqual(denied, { kind: 'method-not-allowed', allowed: ['GET', 'HEAD', 'OPTIONS'] });
  });

  it('matches methods case-sensitively', () => {
    const result = methodsRouter().lookup('get', '/things');
    assert.equal(result.kind, 'method-not-allowed');
  });

  it('answers not-found for OPTIONS and other methods on unknown paths', () => {
    assert.equal(methodsRouter().lookup('OPTIONS', '/nowhere').kind, 'not-found');
    assert.equal(methodsRouter().lookup('PATCH', '/nowhere').kind, 'not-found');
  });

  it('matches nothing for a path that does not start with "/"', () => {
    const router = methodsRouter();
    router.add('GET', '/{any:path}', 'catch-all');
    assert.equal(router.lookup('OPTIONS', '*').kind, 'not-found');
    assert.equal(router.lookup('GET', '').kind, 'not-found');
    assert.equal(router.lookup('GET', 'things').kind, 'not-found');
  });

  it('shares one frozen result for routes without parameters and a fresh one otherwise', () => {
    const router = methodsRouter();
    const a = router.lookup('GET', '/things');
    assert.equal(router.lookup('GET', '/things'), a);
    assert.ok(Object.isFrozen(a));
    const b = router.lookup('GET', '/things/x');
    const c = router.lookup('GET', '/things/y');
    assert.notEqual(b, c);
    assert.deepEqual(b.kind === 'found' && { ...b.params }, { name: 'x' });
  });
});

describe('router: trailing slash', () => {
  function slashRouter(policy?: 'redirect' | 'strict' | 'ignore'): Router<string> {
    const router = new Router<string>(policy === undefined ? {} : { trailingSlash: policy });
    router.add(['GET', 'POST'], '/blog', 'blog');
    router.add('GET', '/docs/', 'docs');
    router.add('GET', '/both', 'both');
    router.add('GET', '/both/', 'both-slash');
    router.add('GET', '/user/{name}', 'user');
    return router;
  }

  it('keeps /blog and /blog/ distinct when both are registered, under every policy', () => {
    for (const policy of ['redirect', 'strict', 'ignore'] as const) {
      const router = slashRouter(policy);
      assert.equal((router.lookup('GET', '/both') as { handler: string }).handler, 'both');
      assert.equal((router.lookup('GET', '/both/') as { handler: string }).handler, 'both-slash');
    }
  });

  it('redirects by default: remove the slash, 301 for GET and HEAD', () => {
    const router = slashRouter();
    assert.equal(router.trailingSlash, 'redirect');
    const expected: RouteMatch<string> = {
      kind: 'redirect',
      path: '/blog',
      trailingSlash: 'remove',
      status: 301,
    };
    assert.deepEqual(router.lookup('GET', '/blog/'), expected);
    assert.deepEqual(router.lookup('HEAD', '/blog/'), expected);
  });

  it('redirects with 308 for other methods, and adds the slash when that matches', () => {
    const router = slashRouter();
    assert.deepEqual(router.lookup('POST', '/blog/'), {
      kind: 'redirect',
      path: '/blog',
      trailingSlash: 'remove',
      status: 308,
    });
    assert.deepEqual(router.lookup('GET', '/docs'), {
      kind: 'redirect',
      path: '/docs/',
      trailingSlash: 'add',
      status: 301,
    });
    assert.deepEqual(router.lookup('GET', '/user/ann/'), {
      kind: 'redirect',
      path: '/user/ann',
      trailingSlash: 'remove',
      status: 301,
    });
  });

  it('redirects even when the other form does not take the method, which then answers 405', () => {
    const router = slashRouter();
    const result = router.lookup('DELETE', '/docs');
    assert.equal(result.kind, 'redirect');
    assert.equal(result.kind === 'redirect' && result.status, 308);
    assert.equal(router.lookup('DELETE', '/docs/').kind, 'method-not-allowed');
  });

  it('does not redirect a 405: the path itself matched', () => {
    const router = slashRouter();
    assert.equal(router.lookup('DELETE', '/blog').kind, 'method-not-allowed');
  });

  it('answers not-found when neither form matches, and never toggles "/"', () => {
    const router = slashRouter();
    assert.equal(router.lookup('GET', '/nope/').kind, 'not-found');
    assert.equal(router.lookup('GET', '/').kind, 'not-found');
  });

  it('strict: never redirects', () => {
    const router = slashRouter('strict');
    assert.equal(router.lookup('GET', '/blog/').kind, 'not-found');
    assert.equal(router.lookup('GET', '/docs').kind, 'not-found');
  });

  it('ignore: matches either form, with the params of the other', () => {
    const router = slashRouter('ignore');
    assert.equal((router.lookup('GET', '/blog/') as { handler: string }).handler, 'blog');
    assert.equal((router.lookup('GET', '/docs') as { handler: string }).handler, 'docs');
    const user = router.lookup('GET', '/user/ann/');
    assert.deepEqual(user.kind === 'found' && { ...user.params }, { name: 'ann' });
    assert.deepEqual(router.lookup('PUT', '/blog/'), {
      kind: 'method-not-allowed',
      allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'],
    });
  });
});
