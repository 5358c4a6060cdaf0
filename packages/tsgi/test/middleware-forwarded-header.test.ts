import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hostName,
  isValidHost,
  parseForwarded,
  parseNode,
} from '../src/middleware/forwarded-header.js';

describe('parseForwarded (RFC 7239)', () => {
  it('reads the pairs of one element', () => {
    assert.deepEqual(parseForwarded('for=192.0.2.60;proto=http;by=203.0.113.43;host=example.com'), [
      { for: '192.0.2.60', proto: 'http', by: '203.0.113.43', host: 'example.com' },
    ]);
  });

  it('reads parameter names case-insensitively and keeps values as sent', () => {
    assert.deepEqual(parseForwarded('For=_Hidden;PROTO=HTTPS;Host=Example.COM'), [
      { for: '_Hidden', proto: 'HTTPS', host: 'Example.COM' },
    ]);
  });

  it('reads several elements, with whitespace around commas and semicolons', () => {
    assert.deepEqual(parseForwarded('for=192.0.2.43 ,\tfor=198.51.100.17 ; proto=https'), [
      { for: '192.0.2.43' },
      { for: '198.51.100.17', proto: 'https' },
    ]);
  });

  it('unquotes quoted strings and resolves quoted pairs', () => {
    assert.deepEqual(parseForwarded('for="[2001:db8:cafe::17]:4711";host="a\\"b\\\\c"'), [
      { for: '[2001:db8:cafe::17]:4711', host: 'a"b\\c' },
    ]);
    assert.deepEqual(parseForwarded('for="a,b;c=d"'), [{ for: 'a,b;c=d' }]);
  });

  it('skips empty elements and empty pairs', () => {
    assert.deepEqual(parseForwarded(',, for=a;;proto=http; ,'), [{ for: 'a', proto: 'http' }]);
    assert.deepEqual(parseForwarded(''), []);
    assert.deepEqual(parseForwarded('  '), []);
  });

  it('checks then drops extension parameters', () => {
    assert.deepEqual(parseForwarded('for=a;secret="x y";proto=https'), [
      { for: 'a', proto: 'https' },
    ]);
  });

  it('returns null for values that break the grammar', () => {
    for (const value of [
      'for',
      'for=',
      'for =a',
      'for= a',
      '=a',
      'for=a b',
      'for="unterminated',
      'for="a"b',
      'for=[::1]',
      'for=2001:db8::1',
      'for="a\u0001b"',
      'for="a\\',
      'for=a;;=b',
      'for=a/b',
      'for="ok"; \u00e9=1',
    ]) {
      assert.equal(parseForwarded(value), null, value);
    }
  });

  it('returns null when an element names a parameter twice', () => {
    assert.equal(parseForwarded('for=a;FOR=b'), null);
    assert.equal(parseForwarded('proto=http;proto=https'), null);
    assert.equal(parseForwarded('ext=1;Ext=2'), null);
    // The same parameter in different elements is fine.
    assert.deepEqual(parseForwarded('for=a, for=b'), [{ for: 'a' }, { for: 'b' }]);
  });

  it('does not let a parameter named __proto__ reach an object prototype', () => {
    const parsed = parseForwarded('__proto__=x;for=a');
    assert.deepEqual(parsed, [{ for: 'a' }]);
    assert.equal(Object.getPrototypeOf(parsed![0]), Object.prototype);
  });
});

describe('parseNode', () => {
  it('reads IPv4 addresses with and without a port', () => {
    assert.deepEqual(parseNode('192.0.2.60'), { kind: 'ip', host: '192.0.2.60', port: null });
    assert.deepEqual(parseNode('192.0.2.60:8080'), { kind: 'ip', host: '192.0.2.60', port: 8080 });
  });

  it('reads IPv6 addresses in brackets, with and without a port, and bare', () => {
    assert.deepEqual(parseNode('[2001:db8:cafe::17]'), {
      kind: 'ip',
      host: '2001:db8:cafe::17',
      port: null,
    });
    assert.deepEqual(parseNode('[2001:db8:cafe::17]:4711'), {
      kind: 'ip',
      host: '2001:db8:cafe::17',
      port: 4711,
    });
    assert.deepEqual(parseNode('2001:db8::1'), { kind: 'ip', host: '2001:db8::1', port: null });
  });

  it('reads "unknown" in any case and obfuscated identifiers', () => {
    assert.deepEqual(parseNode('unknown'), { kind: 'unknown' });
    assert.deepEqual(parseNode('UNKNOWN:80'), { kind: 'unknown' });
    assert.deepEqual(parseNode('_hidden'), { kind: 'obfuscated' });
    assert.deepEqual(parseNode('_SEVKISEK.x-1:_port'), { kind: 'obfuscated' });
  });

  it('gives no port for an obfuscated port', () => {
    assert.deepEqual(parseNode('192.0.2.60:_p1'), { kind: 'ip', host: '192.0.2.60', port: null });
  });

  it('returns null for anything else', () => {
    for (const text of [
      '',
      'example.com',
      '192.0.2',
      '192.0.2.60:',
      '192.0.2.60:99999',
      '192.0.2.60:80:90',
      '192.0.2.60:-1',
      '[2001:db8::1',
      '[2001:db8::1]80',
      '[192.0.2.60]',
      '[fe80::1%eth0]',
      'fe80::1%eth0',
      '_',
      '_a b',
      ' 192.0.2.60',
    ]) {
      assert.equal(parseNode(text), null, JSON.stringify(text));
    }
  });
});

describe('isValidHost and hostName', () => {
  it('accepts names, IPv4 and bracketed IPv6, with an optional port', () => {
    for (const host of [
      'example.com',
      'example.com:8443',
      'api_v2.internal',
      '192.0.2.1:80',
      '[2001:db8::1]',
      '[::1]:65535',
    ]) {
      assert.equal(isValidHost(host), true, host);
    }
  });

  it('refuses paths, credentials, spaces, bad ports and bad brackets', () => {
    for (const host of [
      '',
      'example.com/evil',
      'user@example.com',
      'a b',
      'example.com:',
      'example.com:65536',
      'example.com:80:80',
      '[2001:db8::zz]',
      '[example.com]',
      '2001:db8::1',
      'example.com,other',
    ]) {
      assert.equal(isValidHost(host), false, host);
    }
  });

  it('strips the port', () => {
    assert.equal(hostName('example.com:8443'), 'example.com');
    assert.equal(hostName('example.com'), 'example.com');
    assert.equal(hostName('[::1]:80'), '[::1]');
    assert.equal(hostName('[::1]'), '[::1]');
  });
});
