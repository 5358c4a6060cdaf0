import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, TsgiError } from '../src/errors.js';
import { decodePath, splitTarget } from '../src/paths.js';

/** Splits a request target and decodes its path, as a server does for a request line. */
function scopePaths(target: string): { path: string; rawPath: string; queryString: string } {
  const { rawPath, queryString } = splitTarget(target);
  return { path: rawPath === '*' ? '*' : decodePath(rawPath), rawPath, queryString };
}

describe('the worked examples of spec section 3.2', () => {
  // Each row: request target, path, rawPath, queryString (the table of section 3.2).
  const rows: [target: string, path: string, rawPath: string, queryString: string][] = [
    ['/a%2Fb', '/a/b', '/a%2Fb', ''],
    ['/100%25', '/100%', '/100%25', ''],
    ['/caf%E9', '/caf\uFFFD', '/caf%E9', ''],
    ['/%C3%A9t%C3%A9?x=%20', '/été', '/%C3%A9t%C3%A9', 'x=%20'],
    ['*', '*', '*', ''],
    ['http://example.com/p?q=1', '/p', '/p', 'q=1'],
    ['http://example.com', '/', '/', ''],
    ['/a+b', '/a+b', '/a+b', ''],
    ['/a/./b/../c', '/a/./b/../c', '/a/./b/../c', ''],
    ['/%2e%2e/etc', '/../etc', '/%2e%2e/etc', ''],
    ['//x//y', '//x//y', '//x//y', ''],
    ['/50%zz', '/50%zz', '/50%zz', ''],
    ['/s?q=a?b', '/s', '/s', 'q=a?b'],
    ['/s?', '/s', '/s', ''],
  ];
  for (const [target, path, rawPath, queryString] of rows) {
    it(`[HTTP-SCOPE-6] [HTTP-SCOPE-7] [HTTP-SCOPE-8] ${target}`, () => {
      assert.deepEqual(scopePaths(target), { path, rawPath, queryString });
    });
  }
});

describe('decodePath', () => {
  it('[HTTP-SCOPE-6] returns a path without escapes unchanged (the very same string)', () => {
    const raw = '/api/users/42';
    assert.equal(decodePath(raw), raw);
    assert.equal(decodePath('/'), '/');
    assert.equal(decodePath(''), '');
  });

  it('[HTTP-SCOPE-6] decodes hex digits in either case', () => {
    assert.equal(decodePath('/%c3%a9%C3%A9'), '/éé');
    assert.equal(decodePath('/%41%4a%4A%6f'), '/AJJo');
  });

  it('[HTTP-SCOPE-6] decodes %2F and %2f to "/" like any other escape', () => {
    assert.equal(decodePath('/a%2Fb%2fc'), '/a/b/c');
  });

  it('[HTTP-SCOPE-6] decodes once, never twice', () => {
    assert.equal(decodePath('/%252F'), '/%2F');
    assert.equal(decodePath('/%25%32%46'), '/%2F');
  });

  it('[HTTP-SCOPE-6] keeps a % without two hex digits after it', () => {
    assert.equal(decodePath('/%'), '/%');
    assert.equal(decodePath('/%4'), '/%4');
    assert.equal(decodePath('/a%'), '/a%');
    assert.equal(decodePath('/%g1'), '/%g1');
    assert.equal(decodePath('/%1g'), '/%1g');
    assert.equal(decodePath('/%%41'), '/%A');
    assert.equal(decodePath('/100%/%41'), '/100%/A');
  });

  it('[HTTP-SCOPE-6] turns each invalid UTF-8 sequence into U+FFFD, as TextDecoder does', () => {
    // A lone continuation byte, a truncated sequence, an overlong encoding, a surrogate.
    assert.equal(decodePath('/%80'), '/\uFFFD');
    assert.equal(decodePath('/%E2%82'), '/\uFFFD');
    assert.equal(decodePath('/%C0%AF'), '/\uFFFD\uFFFD');
    assert.equal(decodePath('/%ED%A0%80'), '/\uFFFD\uFFFD\uFFFD');
    assert.equal(decodePath('/%FFa'), '/\uFFFDa');
  });

  it('[HTTP-SCOPE-6] decodes 4-byte sequences and keeps a leading BOM', () => {
    assert.equal(decodePath('/%F0%9F%98%80'), '/😀');
    assert.equal(decodePath('%EF%BB%BF/x'), '\uFEFF/x');
  });

  it('[HTTP-SCOPE-6] decodes %00 to NUL and leaves other characters alone', () => {
    assert.equal(decodePath('/a%00b'), '/a\u0000b');
    assert.equal(decodePath("/-._~!$&'()*+,;=:@%20"), "/-._~!$&'()*+,;=:@ ");
  });

  it('[HTTP-SCOPE-6] reads characters up to U+00FF as the bytes a server received', () => {
    // The client sent the UTF-8 bytes C3 A9 unencoded; a server reads them as Latin-1.
    assert.equal(decodePath('/caf\u00C3\u00A9'), '/café');
    // The lone byte E9 is not UTF-8, escaped or not.
    assert.equal(decodePath('/caf\u00E9'), '/caf\uFFFD');
    // Raw and escaped bytes join into one sequence.
    assert.equal(decodePath('/\u00C3%A9'), '/é');
  });

  it('reads characters above U+00FF as their UTF-8 encoding', () => {
    assert.equal(decodePath('/€%20x'), '/€ x');
    assert.equal(decodePath('/😀%2F😀'), '/😀/😀');
    assert.equal(decodePath('/\uD800%41'), '/\uFFFDA');
    const long = `/${'€'.repeat(50)}%41`;
    assert.equal(decodePath(long), `/${'€'.repeat(50)}A`);
  });

  it('agrees with decodeURIComponent wherever that one succeeds', () => {
    const samples = ['/a%20b', '/%E4%BD%A0%E5%A5%BD', '/x%3Fy%23z', '/%7E%7e'];
    for (const sample of samples) assert.equal(decodePath(sample), decodeURIComponent(sample));
  });
});

describe('splitTarget', () => {
  it('[HTTP-SCOPE-7] [HTTP-SCOPE-8] splits an origin-form target at the first "?"', () => {
    assert.deepEqual(splitTarget('/a/b?x=1&y=%20+2'), {
      form: 'origin',
      rawPath: '/a/b',
      queryString: 'x=1&y=%20+2',
      authority: null,
    });
    assert.deepEqual(splitTarget('/?'), {
      form: 'origin',
      rawPath: '/',
      queryString: '',
      authority: null,
    });
    assert.deepEqual(splitTarget('/p??'), {
      form: 'origin',
      rawPath: '/p',
      queryString: '?',
      authority: null,
    });
  });

  it('[HTTP-SCOPE-7] keeps escapes of an origin-form path untouched', () => {
    assert.equal(splitTarget('/a%2Fb%3F?c%3Fd').rawPath, '/a%2Fb%3F');
    assert.equal(splitTarget('/a%2Fb%3F?c%3Fd').queryString, 'c%3Fd');
  });

  it('[HTTP-SCOPE-7] gives "*" for an asterisk-form target', () => {
    assert.deepEqual(splitTarget('*'), {
      form: 'asterisk',
      rawPath: '*',
      queryString: '',
      authority: null,
    });
  });

  it('[HTTP-SCOPE-7] [HTTP-SCOPE-18] takes the path and the authority of an absolute-form target', () => {
    assert.deepEqual(splitTarget('http://example.com:8080/a%2Fb?q=1'), {
      form: 'absolute',
      rawPath: '/a%2Fb',
      queryString: 'q=1',
      authority: 'example.com:8080',
    });
    assert.deepEqual(splitTarget('HTTPS://[2001:db8::1]:443/x'), {
      form: 'absolute',
      rawPath: '/x',
      queryString: '',
      authority: '[2001:db8::1]:443',
    });
  });

  it('[HTTP-SCOPE-7] gives "/" for an absolute-form target with an empty path, query or not', () => {
    assert.equal(splitTarget('http://example.com').rawPath, '/');
    const parts = splitTarget('http://example.com?q=1');
    assert.equal(parts.rawPath, '/');
    assert.equal(parts.queryString, 'q=1');
    assert.equal(parts.authority, 'example.com');
  });

  it('[HTTP-SCOPE-18] leaves user information out of the authority', () => {
    assert.equal(splitTarget('http://user:pw@example.com/p').authority, 'example.com');
  });

  it('[HTTP-SCOPE-8] keeps "?" inside the query of an absolute-form target', () => {
    const parts = splitTarget('ws://h/s?q=a?b');
    assert.equal(parts.rawPath, '/s');
    assert.equal(parts.queryString, 'q=a?b');
  });

  it('[HTTP-SCOPE-17] rejects targets that no scope can express', () => {
    for (const target of ['example.com:443', '', 'p?x', '1http://h/', 'http:/x', 'ht@tp://h/']) {
      assert.throws(
        () => splitTarget(target),
        (error: unknown) =>
          error instanceof TsgiError &&
          error.code === ErrorCode.INVALID_ARGUMENT &&
          error.message.startsWith('[HTTP-SCOPE-17]'),
        target,
      );
    }
  });
});
