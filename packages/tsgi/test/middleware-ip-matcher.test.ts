import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { describe, it } from 'node:test';
import { TsgiError } from '../src/errors.js';
import { createAddressMatcher, ipv4Word, type PeerInfo } from '../src/middleware/ip-matcher.js';

function invalidArgument(fragment: string) {
  return (error: unknown) =>
    error instanceof TsgiError &&
    error.code === 'ERR_TSGI_INVALID_ARGUMENT' &&
    error.message.includes(fragment);
}

function tcpPeer(host: string): PeerInfo {
  return { client: { host, port: 40000 }, server: { host: '10.0.0.1', port: 8000 } };
}

describe('createAddressMatcher: addresses and ranges', () => {
  it('matches IPv4 addresses exactly', () => {
    const m = createAddressMatcher(['127.0.0.1', '192.0.2.7']);
    assert.equal(m.matches('127.0.0.1'), true);
    assert.equal(m.matches('192.0.2.7'), true);
    assert.equal(m.matches('127.0.0.2'), false);
    assert.equal(m.matches('192.0.2.70'), false);
  });

  it('matches IPv4 CIDR ranges at their edges', () => {
    const m = createAddressMatcher(['10.0.0.0/8', '192.168.4.0/22']);
    assert.equal(m.matches('10.0.0.0'), true);
    assert.equal(m.matches('10.255.255.255'), true);
    assert.equal(m.matches('11.0.0.0'), false);
    assert.equal(m.matches('9.255.255.255'), false);
    assert.equal(m.matches('192.168.4.0'), true);
    assert.equal(m.matches('192.168.7.255'), true);
    assert.equal(m.matches('192.168.8.0'), false);
    assert.equal(m.matches('192.168.3.255'), false);
  });

  it('ignores host bits past the prefix', () => {
    const m = createAddressMatcher(['10.1.2.3/8']);
    assert.equal(m.matches('10.200.0.1'), true);
    assert.equal(m.matches('11.1.2.3'), false);
  });

  it('treats /0 as every address of the family and /32 as one address', () => {
    const all4 = createAddressMatcher(['0.0.0.0/0']);
    assert.equal(all4.matches('203.0.113.9'), true);
    assert.equal(all4.matches('2001:db8::1'), false);
    const one = createAddressMatcher(['203.0.113.9/32']);
    assert.equal(one.matches('203.0.113.9'), true);
    assert.equal(one.matches('203.0.113.8'), false);
  });

  it('matches IPv6 addresses whatever their spelling', () => {
    const m = createAddressMatcher(['::1', '2001:db8::8:800:200c:417a']);
    assert.equal(m.matches('::1'), true);
    assert.equal(m.matches('0:0:0:0:0:0:0:1'), true);
    assert.equal(m.matches('0000::0001'), true);
    assert.equal(m.matches('2001:DB8:0:0:8:800:200C:417A'), true);
    assert.equal(m.matches('::2'), false);
    assert.equal(m.matches('1::'), false);
    assert.equal(m.matches('2001:db8::8:800:200c:417b'), false);
  });

  it('matches IPv6 CIDR ranges', () => {
    const m = createAddressMatcher(['fd00::/8', '2001:db8:abcd::/48']);
    assert.equal(m.matches('fd12:3456::1'), true);
    assert.equal(m.matches('fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    assert.equal(m.matches('fc00::1'), false);
    assert.equal(m.matches('fe00::'), false);
    assert.equal(m.matches('2001:db8:abcd:ffff::1'), true);
    assert.equal(m.matches('2001:db8:abce::1'), false);
  });

  it('reads IPv6 addresses with an embedded IPv4 tail', () => {
    const m = createAddressMatcher(['64:ff9b::/96']);
    assert.equal(m.matches('64:ff9b::192.0.2.33'), true);
    assert.equal(m.matches('64:ff9c::192.0.2.33'), false);
    const exact = createAddressMatcher(['::1.2.3.4']);
    assert.equal(exact.matches('::102:304'), true);
  });

  it('matches IPv4-mapped IPv6 addresses against IPv4 entries', () => {
    const m = createAddressMatcher(['10.0.0.0/8', '127.0.0.1']);
    assert.equal(m.matches('::ffff:10.0.0.1'), true);
    assert.equal(m.matches('::FFFF:127.0.0.1'), true);
    assert.equal(m.matches('::ffff:a00:1'), true); // 10.0.0.1 in hex
    assert.equal(m.matches('::ffff:11.0.0.1'), false);
    // Only the mapped form: an IPv4-compatible or NAT64 address is another address.
    assert.equal(m.matches('::10.0.0.1'), false);
    assert.equal(m.matches('64:ff9b::10.0.0.1'), false);
  });

  it('matches IPv4 addresses against IPv6 entries through the mapped form', () => {
    const mapped = createAddressMatcher(['::ffff:0:0/96']);
    assert.equal(mapped.matches('198.51.100.1'), true);
    assert.equal(mapped.matches('2001:db8::1'), false);
    const one = createAddressMatcher(['::ffff:198.51.100.1']);
    assert.equal(one.matches('198.51.100.1'), true);
  });

  it('ignores the zone of a link-local address', () => {
    const m = createAddressMatcher(['fe80::/10']);
    assert.equal(m.matches('fe80::1%eth0'), true);
    assert.equal(m.matches('fe80::1%25'), true);
  });

  it('matches nothing that is not an IP address', () => {
    const m = createAddressMatcher(['0.0.0.0/0', '::/0']);
    for (const text of ['', 'localhost', '[::1]', '1.2.3.4:80', '01.2.3.4', ' 1.2.3.4', 'unix']) {
      assert.equal(m.matches(text), false, text);
    }
  });

  it('trims entries', () => {
    const m = createAddressMatcher([' 10.0.0.0/8 ', '\t::1']);
    assert.equal(m.matches('10.9.9.9'), true);
    assert.equal(m.matches('::1'), true);
  });

  it('matches nothing with an empty list', () => {
    const m = createAddressMatcher([]);
    assert.equal(m.matches('127.0.0.1'), false);
    assert.equal(m.matchesPeer(tcpPeer('127.0.0.1')), false);
  });
});

describe('createAddressMatcher: agrees with net.BlockList', () => {
  // A small deterministic generator, so that a failure can be replayed.
  let seed = 0x2545f491;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const int = (n: number): number => Math.floor(random() * n);

  const formatV6 = (groups: number[]): string => {
    const hex = groups.map((g) => g.toString(16));
    // Compress a random run of zero groups, when there is one.
    const runs: [number, number][] = [];
    for (let i = 0; i < 8; i++) {
      if (groups[i] !== 0) continue;
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      runs.push([i, j]);
      i = j;
    }
    if (runs.length === 0 || random() < 0.3) {
      return random() < 0.5 ? hex.join(':') : hex.join(':').toUpperCase();
    }
    const [start, end] = runs[int(runs.length)]!;
    return `${hex.slice(0, start).join(':')}::${hex.slice(end).join(':')}`;
  };

  it('on random IPv4 ranges and nearby addresses', () => {
    for (let round = 0; round < 300; round++) {
      const octets = [int(256), int(256), int(256), int(256)];
      const prefix = int(33);
      const entry = `${octets.join('.')}/${prefix}`;
      const oracle = new BlockList();
      oracle.addSubnet(octets.join('.'), prefix, 'ipv4');
      const matcher = createAddressMatcher([entry]);
      for (let probe = 0; probe < 8; probe++) {
        const flipped = octets.slice();
        const bit = int(32);
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (0x80 >> (bit & 7));
        const address = flipped.join('.');
        const expected = oracle.check(address, 'ipv4');
        assert.equal(matcher.matches(address), expected, `${address} in ${entry}`);
        assert.equal(matcher.matches(`::ffff:${address}`), expected, `mapped ${address}`);
      }
    }
  });

  it('on random IPv6 ranges and nearby addresses in varied spellings', () => {
    for (let round = 0; round < 300; round++) {
      const groups = Array.from({ length: 8 }, () => (random() < 0.4 ? 0 : int(0x10000)));
      const prefix = int(129);
      const base = formatV6(groups);
      const oracle = new BlockList();
      oracle.addSubnet(base, prefix, 'ipv6');
      const matcher = createAddressMatcher([`${base}/${prefix}`]);
      for (let probe = 0; probe < 8; probe++) {
        const flipped = groups.slice();
        const bit = int(128);
        flipped[bit >> 4] = flipped[bit >> 4]! ^ (0x8000 >> (bit & 15));
        const address = formatV6(flipped);
        assert.equal(
          matcher.matches(address),
          oracle.check(address, 'ipv6'),
          `${address} in ${base}/${prefix}`,
        );
      }
      assert.equal(matcher.matches(formatV6(groups)), true, `${base} in itself`);
    }
  });
});

describe('ipv4Word', () => {
  it('reads dotted IPv4 addresses into a 32-bit word', () => {
    assert.equal(ipv4Word('10.0.0.1'), 0x0a000001);
    assert.equal(ipv4Word('0.0.0.0'), 0);
    assert.equal(ipv4Word('255.255.255.255'), -1);
    assert.equal(ipv4Word('192.168.100.200'), 0xc0a864c8 | 0);
  });

  it('accepts exactly what net.isIP calls IPv4', () => {
    const samples = [
      '1.2.3.4',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3.256',
      '1.2.3',
      '1.2.3.4.5',
      '1..3.4',
      '.1.2.3',
      '1.2.3.',
      '1.2.3.4 ',
      '1.2.3.-4',
      '1.2.3.4:80',
      '0x1.2.3.4',
      '::1',
      '',
      '123.123.123.1234',
      '249.250.199.100',
    ];
    // And random strings over the characters that matter.
    let seed = 7;
    const alphabet = '0123456789..:x';
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const length = 5 + (i % 12);
      for (let j = 0; j < length; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        text += alphabet[seed % alphabet.length];
      }
      samples.push(text);
    }
    for (const text of samples) {
      assert.equal(ipv4Word(text) !== null, isIP(text) === 4, JSON.stringify(text));
    }
  });
});

describe('createAddressMatcher: peers', () => {
  const unixPeer: PeerInfo = { client: null, server: { host: '/run/app.sock', port: null } };

  it('treats a null client or a portless server as a unix-socket peer, matched by "unix"', () => {
    const m = createAddressMatcher(['unix']);
    assert.equal(m.matchesUnix, true);
    assert.equal(m.matchesPeer(unixPeer), true);
    assert.equal(m.matchesPeer({ client: null, server: null }), true);
    assert.equal(
      m.matchesPeer({ client: { host: 'x', port: 0 }, server: { host: '/s', port: null } }),
      true,
    );
    assert.equal(m.matchesPeer(tcpPeer('127.0.0.1')), false);
  });

  it('does not trust unix-socket peers without "unix"', () => {
    const m = createAddressMatcher(['127.0.0.1', '::1']);
    assert.equal(m.matchesUnix, false);
    assert.equal(m.matchesPeer(unixPeer), false);
    assert.equal(m.matchesPeer(tcpPeer('127.0.0.1')), true);
    assert.equal(m.matchesPeer(tcpPeer('::1')), true);
    assert.equal(m.matchesPeer(tcpPeer('127.0.0.2')), false);
  });

  it('trusts every peer and every address with "*"', () => {
    const m = createAddressMatcher(['*']);
    assert.equal(m.matchesAll, true);
    assert.equal(m.matchesPeer(unixPeer), true);
    assert.equal(m.matchesPeer(tcpPeer('203.0.113.9')), true);
    assert.equal(m.matches('2001:db8::1'), true);
    assert.equal(m.matches('not-an-address'), true);
  });
});

describe('createAddressMatcher: validation', () => {
  it('rejects a prefix longer than the address', () => {
    assert.throws(
      () => createAddressMatcher(['10.0.0.0/8', '10.0.0.0/33']),
      invalidArgument('"10.0.0.0/33" is not an IP address or CIDR'),
    );
    assert.throws(
      () => createAddressMatcher(['fd00::/129']),
      invalidArgument('"fd00::/129" is not an IP address or CIDR'),
    );
  });

  it('rejects host names, ports, brackets, zones and broken prefixes', () => {
    for (const entry of [
      'localhost',
      '10.0.0.1:80',
      '[::1]',
      'fe80::1%eth0',
      '10.0.0.0/',
      '10.0.0.0/x',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      '/8',
      '',
      '10.0.0',
      '*.example.com',
    ]) {
      assert.throws(
        () => createAddressMatcher([entry]),
        invalidArgument(`${JSON.stringify(entry.trim())} is not an IP address or CIDR`),
        entry,
      );
    }
  });

  it('rejects a list that is not an array of strings', () => {
    assert.throws(
      () => createAddressMatcher('127.0.0.1' as unknown as string[]),
      invalidArgument('expected an array of strings'),
    );
    assert.throws(
      () => createAddressMatcher(['127.0.0.1', 7 as unknown as string]),
      invalidArgument('entry 1 is 7'),
    );
  });
});
