import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouterError, RouterErrorCode, type RouterErrorCodeValue } from '../src/router/errors.js';
import { Router } from '../src/router/router.js';

/** Asserts that `fn` throws a RouterError with `code` whose message holds every fragment. */
function throwsRouterError(
  fn: () => unknown,
  code: RouterErrorCodeValue,
  fragments: readonly string[],
): RouterError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RouterError, `expected a RouterError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.name, 'RouterError');
  for (const fragment of fragments) {
    assert.ok(caught.message.includes(fragment), `"${caught.message}" lacks ${fragment}`);
  }
  return caught;
}

/** [pattern, a fragment of the message]. */
const BAD_PATTERNS: readonly (readonly [string, string])[] = [
  ['', 'must start with "/"'],
  ['article/{id}', 'must start with "/"'],
  ['/a/{id', 'is never closed'],
  ['/a/id}', 'closes nothing'],
  ['/a/{x}}', 'closes nothing'],
  ['/a/{x{y}}', 'opens inside another parameter'],
  ['/a/{}', 'empty name'],
  ['/a/{:int}', 'empty name'],
  ['/a/{x:}', 'empty converter'],
  ['/a/{x:nope}', 'unknown converter "nope"'],
  ['/a/{1x}', 'parameter name "1x"'],
  ['/a/{x-y}', 'parameter name "x-y"'],
  ['/a/{ x }', 'parameter name " x "'],
  ['/a/{__proto__}', 'parameter name "__proto__"'],
  ['/a/{x}/b/{x:int}', '"x" appears twice'],
  ['/a/{x}.{x}', '"x" appears twice'],
  ['/a/{rest:path}/b', 'must be the last segment'],
  ['/a/{rest:path}/', 'must be the last segment'],
  ['/a/{rest:path}.zip', 'must fill the last segment'],
  ['/a/{x}{y}', 'separated by literal text'],
  ['/a//b', 'empty segment'],
  ['//', 'empty segment'],
];

describe('router errors: bad patterns', () => {
  for (const [pattern, fragment] of BAD_PATTERNS) {
    it(`refuses ${JSON.stringify(pattern)}: ${fragment}`, () => {
      const router = new Router<string>();
      const error = throwsRouterError(
        () => router.add('GET', pattern, 'h'),
        RouterErrorCode.BAD_PATTERN,
        [JSON.stringify(pattern), fragment],
      );
      assert.equal(error.pattern, pattern);
      assert.equal(router.routes.length, 0);
    });
  }

  it('refuses a pattern that is not a string', () => {
    throwsRouterError(
      () => new Router<string>().add('GET', 5 as unknown as string, 'h'),
      RouterErrorCode.BAD_PATTERN,
      ['must be a string'],
    );
  });

  it('lists the known converters when one is unknown', () => {
    throwsRouterError(
      () => new Router<string>().add('GET', '/a/{x:integer}', 'h'),
      RouterErrorCode.BAD_PATTERN,
      ['int', 'float', 'str', 'uuid', 'path'],
    );
  });
});

describe('router errors: conflicts name both patterns', () => {
  it('refuses the same pattern twice for a method', () => {
    const router = new Router<string>();
    router.add('GET', '/a/{x}', 'first');
    const error = throwsRouterError(
      () => router.add('GET', '/a/{x}', 'second'),
      RouterErrorCode.DUPLICATE_ROUTE,
      ['duplicate route', 'GET "/a/{x}" repeats GET "/a/{x}"'],
    );
    assert.equal(error.pattern, '/a/{x}');
    assert.equal(error.conflictsWith, '/a/{x}');
  });

  it('treats {x} and {x:str} as the same pattern', () => {
    const router = new Router<string>();
    router.add('GET', '/a/{x}', 'first');
    throwsRouterError(
      () => router.add('GET', '/a/{x:str}', 'second'),
      RouterErrorCode.DUPLICATE_ROUTE,
      ['"/a/{x:str}"', '"/a/{x}"'],
    );
  });

  it('refuses a duplicate inside a list of methods', () => {
    const router = new Router<string>();
    router.add('POST', '/static', 'first');
    throwsRouterError(
      () => router.add(['GET', 'POST'], '/static', 'second'),
      RouterErrorCode.DUPLICATE_ROUTE,
      ['POST "/static" repeats POST "/static"'],
    );
    assert.equal(router.lookup('GET', '/static').kind, 'method-not-allowed', 'nothing was added');
  });

  const AMBIGUOUS: readonly (readonly [string, string])[] = [
    ['/a/{x}', '/a/{y}'],
    ['/a/{x:int}', '/a/{y:int}'],
    ['/a/{x:uuid}/b', '/a/{y:uuid}/b'],
    ['/f/{name}.{ext}', '/f/{base}.{suffix}'],
    ['/s/{rest:path}', '/s/{tail:path}'],
    ['/{a}/{b}', '/{b}/{a}'],
  ];
  for (const [first, second] of AMBIGUOUS) {
    it(`refuses ${second} after ${first} for one method`, () => {
      const router = new Router<string>();
      router.add('GET', first, 'first');
      const error = throwsRouterError(
        () => router.add('GET', second, 'second'),
        RouterErrorCode.AMBIGUOUS_ROUTE,
        [JSON.stringify(first), JSON.stringify(second), 'same priority'],
      );
      assert.equal(error.pattern, second);
      assert.equal(error.conflictsWith, first);
      const sample = first
        .replace(/\{[^}:]*:uuid\}/g, '123e4567-e89b-12d3-a456-426614174000')
        .replace(/\{[^}]*\}/g, '1');
      const result = router.lookup('GET', sample);
      assert.equal(result.kind === 'found' && result.handler, 'first', 'the router is unchanged');
    });
  }

  it('allows such patterns for different methods, each with its own parameter names', () => {
    const router = new Router<string>();
    router.add('GET', '/a/{x}', 'get');
    router.add('POST', '/a/{y}', 'post');
    const get = router.lookup('GET', '/a/1');
    const post = router.lookup('POST', '/a/1');
    assert.deepEqual(get.kind === 'found' && { ...get.params }, { x: '1' });
    assert.deepEqual(post.kind === 'found' && { ...post.params }, { y: '1' });
    assert.deepEqual(router.lookup('PUT', '/a/1'), {
      kind: 'method-not-allowed',
      allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'],
    });
  });

  it('allows patterns that only overlap, with different converters or priorities', () => {
    const router = new Router<string>();
    router.add('GET', '/a/{x:int}', 'int');
    router.add('GET', '/a/{x}', 'str');
    router.add('GET', '/a/{x:path}', 'path');
    router.add('GET', '/a/{x}.{y}', 'mixed');
    router.add('GET', '/a/b', 'static');
    assert.equal(router.routes.length, 5);
  });

  it('refuses a name given to two patterns, naming both', () => {
    const router = new Router<string>();
    router.add('GET', '/', 'home', { name: 'home' });
    const error = throwsRouterError(
      () => router.add('GET', '/index', 'index', { name: 'home' }),
      RouterErrorCode.DUPLICATE_NAME,
      ['"home"', '"/"', '"/index"'],
    );
    assert.equal(error.conflictsWith, '/');
    assert.equal(router.lookup('GET', '/index').kind, 'not-found', 'nothing was added');
  });

  it('lets one route carry its name across methods, and several names', () => {
    const router = new Router<string>();
    router.add('GET', '/items', 'list', { name: 'items' });
    router.add('POST', '/items', 'create', { name: 'items' });
    router.add('DELETE', '/items', 'clear', { name: 'items-clear' });
    assert.deepEqual(router.routes[0]?.names, ['items', 'items-clear']);
    assert.equal(router.urlFor('items'), '/items');
    assert.equal(router.urlFor('items-clear'), '/items');
  });
});

describe('router errors: methods and options', () => {
  it('refuses methods that are not uppercase tokens', () => {
    const router = new Router<string>();
    for (const method of ['get', 'Get', '', 'GET POST', 'G\u00c9T', '1GET']) {
      throwsRouterError(() => router.add(method, '/x', 'h'), RouterErrorCode.BAD_METHOD, [
        JSON.stringify(method),
        '"/x"',
      ]);
    }
    throwsRouterError(() => router.add([], '/x', 'h'), RouterErrorCode.BAD_METHOD, ['non-empty']);
    assert.equal(router.routes.length, 0);
  });

  it('refuses an empty or non-string route name', () => {
    const router = new Router<string>();
    throwsRouterError(
      () => router.add('GET', '/x', 'h', { name: '' }),
      RouterErrorCode.INVALID_ARGUMENT,
      ['non-empty string'],
    );
  });

  it('refuses an unknown trailing-slash policy', () => {
    throwsRouterError(
      () => new Router({ trailingSlash: 'loose' as 'strict' }),
      RouterErrorCode.INVALID_ARGUMENT,
      ['"loose"'],
    );
  });

  it('uses stable, distinct codes', () => {
    const codes = Object.values(RouterErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, /^ERR_ECHONEXT_[A-Z_]+$/);
  });
});
