import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCookieName, parseCookies, serializeCookie } from '../src/cookies.js';
import { UsageErrorCode } from '../src/usage-error.js';

describe('parseCookies', () => {
  it('parses pairs, trims spaces, strips quotes and decodes escapes', () => {
    const cookies = parseCookies('a=1; b = two ;c="quoted"; d=caf%C3%A9%3B');
    assert.deepEqual(
      [...cookies],
      [
        ['a', '1'],
        ['b', 'two'],
        ['c', 'quoted'],
        ['d', 'caf\u00e9;'],
      ],
    );
  });

  it('keeps the first value of a repeated name (the most specific path comes first)', () => {
    assert.equal(parseCookies('id=inner; id=outer').get('id'), 'inner');
  });

  it('skips pieces without "=" or name, and keeps a malformed escape as sent', () => {
    const cookies = parseCookies('flag; =x; ok=%zz; empty=');
    assert.deepEqual(
      [...cookies],
      [
        ['ok', '%zz'],
        ['empty', ''],
      ],
    );
  });

  it('reads several cookie header values', () => {
    const cookies = parseCookies(['a=1; b=2', 'c=3']);
    assert.deepEqual([...cookies.keys()], ['a', 'b', 'c']);
  });

  it('handles names such as __proto__ as plain keys', () => {
    assert.equal(parseCookies('__proto__=x').get('__proto__'), 'x');
  });
});

describe('serializeCookie', () => {
  it('defaults to Path=/, HttpOnly and SameSite=Lax, and encodes the value', () => {
    assert.equal(
      serializeCookie('session', 'a b;c\u00e9'),
      'session=a%20b%3Bc%C3%A9; Path=/; HttpOnly; SameSite=Lax',
    );
  });

  it('writes every attribute', () => {
    const text = serializeCookie('s', 'v', {
      maxAge: 3600.7,
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      domain: 'example.test',
      path: '/app',
      secure: true,
      httpOnly: false,
      sameSite: 'strict',
    });
    assert.equal(
      text,
      's=v; Max-Age=3600; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Domain=example.test; Path=/app; Secure; SameSite=Strict',
    );
  });

  it('adds Secure where browsers demand it: SameSite=None, Partitioned, __Secure- and __Host-', () => {
    assert.match(
      serializeCookie('a', 'v', { sameSite: 'none' }),
      /; Secure; HttpOnly; SameSite=None$/,
    );
    assert.match(serializeCookie('a', 'v', { partitioned: true }), /; Secure;.*; Partitioned$/);
    assert.match(serializeCookie('__Secure-a', 'v'), /; Secure;/);
    assert.match(serializeCookie('__Host-a', 'v'), /; Secure;/);
    assert.doesNotMatch(serializeCookie('a', 'v'), /Secure/);
  });

  it('refuses what browsers would reject or what would inject attributes', () => {
    const bad: [string, Parameters<typeof serializeCookie>[2]][] = [
      ['a', { sameSite: 'none', secure: false }],
      ['__Host-a', { domain: 'example.test' }],
      ['__Host-a', { path: '/app' }],
      ['a', { maxAge: -1 }],
      ['a', { maxAge: Number.NaN }],
      ['a', { expires: new Date(Number.NaN) }],
      ['a', { domain: 'x; Secure' }],
      ['a', { path: 'relative' }],
      ['a', { path: '/a\nb' }],
    ];
    for (const [name, options] of bad) {
      assert.throws(() => serializeCookie(name, 'v', options), {
        code: UsageErrorCode.INVALID_COOKIE,
      });
    }
  });

  it('accepts RFC 6265 token names only', () => {
    assert.equal(checkCookieName('ok_name-1'), 'ok_name-1');
    for (const bad of ['', 'a b', 'a=b', 'a;b', 'caf\u00e9', 'a"b']) {
      assert.throws(() => checkCookieName(bad), { code: UsageErrorCode.INVALID_COOKIE });
    }
  });

  it('round-trips any value through parseCookies', () => {
    const value = ' spaces, "quotes"; semis = and \u00fcnicode \u{1f36a} %41 ';
    const text = serializeCookie('k', value);
    const pair = text.slice(0, text.indexOf(';'));
    assert.equal(parseCookies(pair).get('k'), value);
  });
});
