import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerListFromHeaders, joinCookieFields } from '../src/fetch/headers.js';
import { splitUrl } from '../src/fetch/request-scope.js';
import { decodePath } from '../src/paths.js';

describe('decodePath', () => {
  it('[HTTP-SCOPE-6] decodes escapes as UTF-8, %2F included', () => {
    assert.equal(decodePath('/caf%C3%A9'), '/café');
    assert.equal(decodePath('/a%2Fb%2fc'), '/a/b/c');
    assert.equal(decodePath('/100%25'), '/100%');
    assert.equal(decodePath('/%E2%9C%93%20ok'), '/✓ ok');
  });

  it('[HTTP-SCOPE-6] turns invalid UTF-8 into U+FFFD', () => {
    assert.equal(decodePath('/%FF'), '/\uFFFD');
    assert.equal(decodePath('/%C3'), '/\uFFFD');
    assert.equal(decodePath('/%E2%9C/x'), '/\uFFFD/x');
    assert.equal(decodePath('/%C0%AF'), '/\uFFFD\uFFFD');
  });

  it('[HTTP-SCOPE-6] keeps a % that starts no escape', () => {
    assert.equal(decodePath('/%zz/%4'), '/%zz/%4');
    assert.equal(decodePath('/50%'), '/50%');
    assert.equal(decodePath('/a%2'), '/a%2');
  });

  it('returns a path without escapes unchanged, and decodes what a URL escapes', () => {
    assert.equal(decodePath('/plain/path'), '/plain/path');
    // A Request's URL is ASCII: the URL parser already escaped "é" as %C3%A9.
    assert.equal(decodePath(new URL('http://h/é%20x').pathname), '/é x');
    assert.equal(decodePath('/%EF%BB%BFbom'), '/\uFEFFbom');
  });
});

describe('splitUrl', () => {
  it('[HTTP-SCOPE-7] [HTTP-SCOPE-8] splits path, query and fragment', () => {
    assert.deepEqual(splitUrl('http://h.test/a%20b?x=1?y#frag'), {
      scheme: 'http',
      hostname: 'h.test',
      port: 80,
      rawPath: '/a%20b',
      queryString: 'x=1?y',
    });
    assert.deepEqual(splitUrl('https://[2001:db8::1]:8443?q'), {
      scheme: 'https',
      hostname: '2001:db8::1',
      port: 8443,
      rawPath: '/',
      queryString: 'q',
    });
    assert.equal(splitUrl('http://h.test/p#a?b').queryString, '');
  });
});

describe('headers', () => {
  it('[HTTP-SCOPE-12] rejoins cookie fields merged with a comma, keeping commas inside values', () => {
    assert.equal(joinCookieFields('a=1'), 'a=1');
    assert.equal(joinCookieFields('a=1, b=2'), 'a=1; b=2');
    assert.equal(joinCookieFields('a=1; b=2,c=3'), 'a=1; b=2; c=3');
    assert.equal(joinCookieFields('d=Wed, 21 Oct 2015'), 'd=Wed, 21 Oct 2015');
  });

  it('[HTTP-RESP-12] reads every set-cookie as its own pair, in place', () => {
    const headers = new Headers();
    headers.append('X-Z', 'last');
    headers.append('Set-Cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT');
    headers.append('Set-Cookie', 'b=2');
    headers.append('Content-Type', 'text/plain');
    assert.deepEqual(headerListFromHeaders(headers, false), [
      ['content-type', 'text/plain'],
      ['set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
      ['set-cookie', 'b=2'],
      ['x-z', 'last'],
    ]);
  });
});
