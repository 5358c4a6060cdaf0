import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConverterRegistry,
  floatConverter,
  intConverter,
  uuidConverter,
} from '../src/router/converters.js';
import type { RouteMatch } from '../src/router/route.js';
import { Router, type TrailingSlashPolicy } from '../src/router/router.js';

/**
 * A table with every kind of edge, so that lookups go through the nodes with
 * a single way on (walked without recursion) and through the nodes where the
 * search branches, with trailing-slash twins of several kinds.
 */
const PATTERNS: readonly (readonly [string | readonly string[], string])[] = [
  ['GET', '/'],
  ['GET', '/blog'],
  [['GET', 'POST'], '/blog/{slug}'],
  ['GET', '/blog/{slug}/comments/'],
  ['GET', '/docs/'],
  ['PUT', '/docs/{page:int}/'],
  ['GET', '/a/{x:int}/b'],
  ['GET', '/a/{y}/c/'],
  ['GET', '/files/{name}.{ext}'],
  ['GET', '/files/{rest:path}'],
  ['DELETE', '/files/{name}.{ext}/'],
  ['GET', '/m/{u:uuid}'],
  ['GET', '/m/{f:float}/'],
  ['GET', '/m/{s}/x'],
  ['GET', '/deep/one/two/three'],
  ['GET', '/deep/one/two/three/'],
  ['GET', '/deep/{k}/two'],
  ['GET', '/x/y'],
  ['GET', '/x/{z}'],
  ['OPTIONS', '/cors/{id:int}'],
  ['GET', '/sib/alpha'],
  ['GET', '/sib/beta/'],
  ['GET', '/sib/gamma/{n:int}'],
];

/** Paths and their trailing-slash twins, empty segments, and misses. */
const PATHS: readonly string[] = (() => {
  const base = [
    '/',
    '//',
    '/blog',
    '/blog/hello',
    '/blog/hello/comments',
    '/docs',
    '/docs/7',
    '/docs/07',
    '/a/1/b',
    '/a/1/c',
    '/a/one/b',
    '/files/report.pdf',
    '/files/a/b',
    '/files/x.y',
    '/m/123e4567-e89b-12d3-a456-426614174000',
    '/m/1.5',
    '/m/zz/x',
    '/deep/one/two/three',
    '/deep/one/two',
    '/deep/k/two',
    '/x/y',
    '/x/q',
    '/x',
    '/cors/3',
    '/sib/alpha',
    '/sib/beta',
    '/sib/gamma/9',
    '/sib/delta',
    '/nothing',
    '/a//b',
    '/blog//',
  ];
  const out = new Set<string>();
  for (const path of base) {
    out.add(path);
    out.add(path.endsWith('/') ? path.slice(0, -1) || '/' : `${path}/`);
  }
  return [...out];
})();

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;

function build(policy: TrailingSlashPolicy): Router<string> {
  const router = new Router<string>({ trailingSlash: policy });
  for (const [methods, pattern] of PATTERNS) router.add(methods, pattern, pattern);
  return router;
}

function toggled(path: string): string | null {
  if (path.length <= 1) return null;
  return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
}

/**
 * The trailing-slash policy as the router documents it, built from two
 * separate strict lookups: the router itself learns about the toggled path
 * in the same walk, and must agree with this.
 */
function expected(
  strict: Router<string>,
  policy: TrailingSlashPolicy,
  method: string,
  path: string,
): RouteMatch<string> {
  const direct = strict.lookup(method, path);
  if (direct.kind !== 'not-found' || policy === 'strict') return direct;
  const other = toggled(path);
  if (other === null) return direct;
  const twin = strict.lookup(method, other);
  if (twin.kind === 'not-found') return direct;
  if (policy === 'ignore') return twin;
  return {
    kind: 'redirect',
    path: other,
    trailingSlash: other.length > path.length ? 'add' : 'remove',
    status: method === 'GET' || method === 'HEAD' ? 301 : 308,
  };
}

function plain(match: RouteMatch<string>): unknown {
  return match.kind === 'found'
    ? { ...match, route: match.route.pattern, params: { ...match.params } }
    : match;
}

describe('router: the trailing slash found in the same walk', () => {
  const strict = build('strict');
  for (const policy of ['redirect', 'ignore', 'strict'] as const) {
    it(`${policy}: agrees with two separate lookups on every path and method`, () => {
      const router = build(policy);
      let redirects = 0;
      let twins = 0;
      for (const path of PATHS) {
        for (const method of METHODS) {
          const want = expected(strict, policy, method, path);
          const got = router.lookup(method, path);
          assert.deepEqual(plain(got), plain(want), `${policy} ${method} ${path}`);
          if (got.kind === 'redirect') redirects++;
          if (
            policy === 'ignore' &&
            strict.lookup(method, path).kind === 'not-found' &&
            got.kind !== 'not-found'
          )
            twins++;
        }
      }
      // The table has twins of every kind: the comparison above can fail.
      if (policy === 'redirect') assert.ok(redirects >= 20, `${redirects} redirects`);
      if (policy === 'ignore') assert.ok(twins >= 20, `${twins} twins served`);
    });
  }

  it('finds the twin behind parameters and behind a branch that dead-ends', () => {
    const router = build('redirect');
    assert.deepEqual(router.lookup('GET', '/blog/hello/comments'), {
      kind: 'redirect',
      path: '/blog/hello/comments/',
      trailingSlash: 'add',
      status: 301,
    });
    assert.deepEqual(router.lookup('PUT', '/docs/7'), {
      kind: 'redirect',
      path: '/docs/7/',
      trailingSlash: 'add',
      status: 308,
    });
    // The path itself matches a mixed segment and the tail for GET: 405, no redirect.
    assert.equal(router.lookup('DELETE', '/files/x.y').kind, 'method-not-allowed');
    // `/a/1/c` first tries `{x:int}` (dead end), then `{y}`, whose child has `c/`.
    assert.equal(router.lookup('GET', '/a/1/c').kind, 'redirect');
    assert.equal(router.lookup('GET', '/sib/beta').kind, 'redirect');
    assert.equal(router.lookup('GET', '/sib/alpha/').kind, 'redirect');
  });

  it('prefers a 405 or OPTIONS answer of the path itself to its twin', () => {
    const router = build('redirect');
    assert.equal(router.lookup('PUT', '/blog/hello').kind, 'method-not-allowed');
    assert.deepEqual(router.lookup('OPTIONS', '/blog/hello'), {
      kind: 'options',
      allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'],
    });
  });
});

describe('router: lookups from inside a converter', () => {
  it('keep their own search state, so the outer lookup is not disturbed', () => {
    const router = new Router<string>({
      converters: [
        {
          name: 'known',
          match(text: string): boolean {
            // A nested lookup that misses, redirects and finds, in turn.
            router.lookup('GET', '/nope');
            router.lookup('GET', '/plain/');
            return router.lookup('GET', `/plain`).kind === 'found' && text !== 'bad';
          },
          parse: (text: string) => text.toUpperCase(),
          format: (value: unknown) => String(value).toLowerCase(),
        },
      ],
    });
    router.add('GET', '/plain', 'plain');
    router.add('GET', '/k/{v:known}/end', 'known');
    router.add('GET', '/k/{v}/end/', 'slash');
    const found = router.lookup('GET', '/k/abc/end');
    assert.equal(found.kind, 'found');
    assert.deepEqual(found.kind === 'found' && { ...found.params }, { v: 'ABC' });
    assert.deepEqual(router.lookup('GET', '/k/bad/end'), {
      kind: 'redirect',
      path: '/k/bad/end/',
      trailingSlash: 'add',
      status: 301,
    });
  });
  it('keep the outer parameters when a converter parses with a lookup of its own', () => {
    const router = new Router<string>({
      converters: [
        {
          name: 'looked',
          regex: /[a-z]+/,
          parse(text: string): unknown {
            const inner = router.lookup('GET', '/inner/zzz/yyy');
            return `${text}:${inner.kind === 'found' ? String(inner.params.p) : inner.kind}`;
          },
          format: (value: unknown) => String(value),
        },
      ],
    });
    router.add('GET', '/inner/{p}/{q}', 'inner');
    router.add('GET', '/outer/{a:looked}/{b}', 'outer');
    const match = router.lookup('GET', '/outer/abc/def');
    assert.deepEqual(match.kind === 'found' && { ...match.params }, { a: 'abc:zzz', b: 'def' });
  });
});

describe('router: the static path table', () => {
  it('answers static routes and falls through to the tree for paths of the same length', () => {
    const router = new Router<string>();
    router.add('GET', '/ab/cd', 'static');
    router.add('GET', '/ab/{x}', 'param');
    router.add('POST', '/ab/ef', 'post-only');
    assert.equal((router.lookup('GET', '/ab/cd') as { handler: string }).handler, 'static');
    const param = router.lookup('GET', '/ab/zz');
    assert.deepEqual(param.kind === 'found' && { ...param.params }, { x: 'zz' });
    // A static route without the method gives way to the parameter route.
    const fallback = router.lookup('GET', '/ab/ef');
    assert.equal(fallback.kind === 'found' && fallback.handler, 'param');
    assert.equal((router.lookup('POST', '/ab/ef') as { handler: string }).handler, 'post-only');
    // Longer than any static pattern.
    assert.equal(router.lookup('GET', '/ab/cd/ef/gh/ij').kind, 'not-found');
  });

  it('keeps static children beyond the in-place threshold reachable', () => {
    const router = new Router<number>();
    for (let i = 0; i < 40; i++) router.add('GET', `/s/k${i}/{id:int}`, i);
    router.add('GET', '/s/{other}/{id:int}', -1);
    for (let i = 0; i < 40; i++) {
      const match = router.lookup('GET', `/s/k${i}/5`);
      assert.equal(match.kind === 'found' && match.handler, i);
    }
    assert.equal((router.lookup('GET', '/s/k40/5') as { handler: number }).handler, -1);
  });
});

describe('router: built-in converters checked in place', () => {
  const registry = new ConverterRegistry();
  const FLOAT = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  const samples = [
    '0',
    '7',
    '01',
    '-1',
    '+1',
    '1.5',
    '1.',
    '.5',
    '-0.75e+2',
    '1e',
    '1e+',
    '1E5',
    '2.5e-3',
    '1e999',
    '-',
    '--1',
    '1.2.3',
    '9007199254740991',
    '9007199254740992',
    '123e4567-e89b-12d3-a456-426614174000',
    '123E4567-E89B-12D3-A456-426614174000',
    '123e4567-e89b-12d3-a456-42661417400g',
    '123e4567e89b-12d3-a456-426614174000-',
    'x',
  ];

  it('agree with the converters on a range of a longer path', () => {
    const cases: [string, (text: string) => boolean][] = [
      ['int', (text) => intConverter.match?.(text) === true],
      ['uuid', (text) => uuidConverter.match?.(text) === true],
      ['float', (text) => FLOAT.test(text) && Number.isFinite(Number(text))],
    ];
    for (const [name, reference] of cases) {
      const entry = registry.get(name);
      assert.ok(entry);
      for (const text of samples) {
        const path = `/pre/${text}/post`;
        const start = 5;
        assert.equal(
          entry.acceptsAt(path, start, start + text.length),
          reference(text),
          `${name} on ${JSON.stringify(text)}`,
        );
        assert.equal(entry.accepts(text), reference(text), `${name} on ${JSON.stringify(text)}`);
      }
    }
    assert.equal(floatConverter.match?.('1e3'), true);
    assert.equal(floatConverter.match?.('1e999'), false);
  });
});
