import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouterError, RouterErrorCode } from '../src/router/errors.js';
import { Router } from '../src/router/router.js';

const UUID = '123e4567-e89b-12d3-a456-426614174000';

function router(): Router<string> {
  const r = new Router<string>();
  r.add('GET', '/', 'root', { name: 'root' });
  r.add('GET', '/article/{article_id}', 'article', { name: 'article' });
  r.add('GET', '/users/{id:int}/posts/{post:uuid}', 'post', { name: 'post' });
  r.add('GET', '/price/{amount:float}', 'price', { name: 'price' });
  r.add('GET', '/static/{rest:path}', 'static', { name: 'static' });
  r.add('GET', '/files/{name}.{ext}', 'file', { name: 'file' });
  r.add('GET', '/v{version:int}/', 'version', { name: 'version' });
  r.add('GET', '/caf\u00e9/menu', 'menu', { name: 'menu' });
  return r;
}

/** [name, params, expected URL]. Every row must also look up back to the same params. */
const BUILDS: readonly (readonly [string, Record<string, unknown>, string])[] = [
  ['root', {}, '/'],
  ['article', { article_id: 'hello-world' }, '/article/hello-world'],
  ['article', { article_id: 42 }, '/article/42'],
  ['article', { article_id: 'a b&c?d#e%f' }, '/article/a%20b%26c%3Fd%23e%25f'],
  ['article', { article_id: '\u00e9t\u00e9 \u{1f600}' }, '/article/%C3%A9t%C3%A9%20%F0%9F%98%80'],
  ['article', { article_id: '...' }, '/article/...'],
  ['post', { id: 7, post: UUID.toUpperCase() }, `/users/7/posts/${UUID}`],
  ['price', { amount: 9.99 }, '/price/9.99'],
  ['price', { amount: 10 }, '/price/10.0'],
  ['price', { amount: -0.5 }, '/price/-0.5'],
  ['static', { rest: 'css/site.css' }, '/static/css/site.css'],
  ['static', { rest: 'a b/c?d' }, '/static/a%20b/c%3Fd'],
  ['static', { rest: 'dir/' }, '/static/dir/'],
  ['file', { name: 'report', ext: 'pdf' }, '/files/report.pdf'],
  ['file', { name: 'archive.tar', ext: 'gz' }, '/files/archive.tar.gz'],
  ['version', { version: 3 }, '/v3/'],
  ['menu', {}, '/caf%C3%A9/menu'],
];

describe('router urlFor', () => {
  for (const [name, params, expected] of BUILDS) {
    it(`builds ${name} ${JSON.stringify(params)} as ${expected} and looks it up back`, () => {
      const r = router();
      const url = r.urlFor(name, params);
      assert.equal(url, expected);
      const result = r.lookup('GET', decodeURIComponent(url));
      assert.equal(result.kind, 'found', url);
      if (result.kind !== 'found') return;
      assert.deepEqual(result.route.names, [name]);
      const back = r.urlFor(name, result.params);
      assert.equal(back, url, 'building from the parsed params gives the same URL');
    });
  }

  it('defaults params to none', () => {
    assert.equal(router().urlFor('root'), '/');
  });

  it('throws UNKNOWN_ROUTE_NAME for a name no route carries', () => {
    assert.throws(
      () => router().urlFor('nope'),
      (error: unknown) =>
        error instanceof RouterError &&
        error.code === RouterErrorCode.UNKNOWN_ROUTE_NAME &&
        error.message.includes('"nope"'),
    );
  });

  /** [name, params, fragment of the message]. */
  const BAD: readonly (readonly [string, Record<string, unknown>, string])[] = [
    ['article', {}, 'parameter "article_id" of "/article/{article_id}" is missing'],
    ['article', { article_id: undefined }, 'is missing'],
    ['article', { article_id: 'x', extra: 1 }, 'parameter "extra"'],
    ['article', { article_id: '' }, 'does not accept'],
    ['article', { article_id: 'a/b' }, 'does not accept'],
    ['article', { article_id: '.' }, 'would make a "." segment'],
    ['article', { article_id: '..' }, 'would make a ".." segment'],
    ['article', { article_id: '\ud800' }, 'not well-formed Unicode'],
    ['article', { article_id: null }, 'cannot be formatted'],
    ['post', { id: -1, post: UUID }, 'parameter "id"'],
    ['post', { id: 1.5, post: UUID }, 'cannot be formatted'],
    ['post', { id: '7', post: UUID }, 'cannot be formatted'],
    ['post', { id: 7, post: 'not-a-uuid' }, 'parameter "post"'],
    ['price', { amount: Number.NaN }, 'cannot be formatted'],
    ['static', { rest: '' }, 'does not accept'],
    ['static', { rest: 'a/../etc' }, 'would make a ".." segment'],
    ['file', { name: 'a', ext: 'b.c' }, 'would not match them back'],
  ];
  for (const [name, params, fragment] of BAD) {
    it(`refuses ${name} with ${JSON.stringify(params)}: ${fragment}`, () => {
      assert.throws(
        () => router().urlFor(name, params),
        (error: unknown) =>
          error instanceof RouterError &&
          error.code === RouterErrorCode.BAD_PARAM &&
          error.message.includes(`urlFor("${name}")`) &&
          error.message.includes(fragment),
      );
    });
  }

  it('keeps the converter error as the cause', () => {
    try {
      router().urlFor('post', { id: -1, post: UUID });
      assert.fail('urlFor should have thrown');
    } catch (error) {
      assert.ok(error instanceof RouterError);
      assert.ok(error.cause instanceof RouterError);
      assert.equal(error.pattern, '/users/{id:int}/posts/{post:uuid}');
    }
  });

  it('round-trips many generated values through every converter', () => {
    const r = router();
    for (let i = 0; i < 200; i++) {
      const text = `v${i}-${String.fromCodePoint(0x20 + ((i * 37) % 0x2000))}`;
      const amount = (i - 100) * 0.37;
      const cases: [string, Record<string, unknown>][] = [
        ['article', { article_id: text }],
        ['post', { id: i * 1009, post: UUID }],
        ['price', { amount }],
        ['static', { rest: `${text}/x/${i}` }],
      ];
      for (const [name, params] of cases) {
        let url: string;
        try {
          url = r.urlFor(name, params);
        } catch (error) {
          // Values that hold a "/" cannot go into a str segment; nothing else may fail.
          assert.ok(String(params.article_id ?? '').includes('/'), String(error));
          continue;
        }
        const result = r.lookup('GET', decodeURIComponent(url));
        assert.equal(result.kind, 'found', url);
        if (result.kind !== 'found') continue;
        const expected = name === 'post' ? { id: i * 1009, post: UUID } : params;
        assert.deepEqual({ ...result.params }, expected, url);
      }
    }
  });
});
