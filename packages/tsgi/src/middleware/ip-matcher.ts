/**
 * Matching of IP addresses against a list of addresses and CIDR ranges, as
 * used to decide which peers are trusted proxies.
 *
 * @module
 */

import { isIP } from 'node:net';
import { describeValue, ErrorCode, TsgiError } from '../errors.js';
import type { Address } from '../types.js';

/** The connection facts that {@link AddressMatcher.matchesPeer} looks at; any scope has them. */
export interface PeerInfo {
  /** The remote peer, or `null` when unknown. */
  client: Address | null;
  /** The local end of the connection, or `null` when unknown. */
  server: Address | null;
}

/**
 * A compiled address list, made by {@link createAddressMatcher}. Matching
 * allocates nothing.
 */
export interface AddressMatcher {
  /** `true` when the list holds `*`: every peer matches. */
  readonly matchesAll: boolean;
  /** `true` when the list holds `unix`: unix-socket peers match. */
  readonly matchesUnix: boolean;
  /**
   * Tells whether an IP address is on the list. IPv4 addresses match IPv6
   * entries through their IPv4-mapped form and IPv4-mapped IPv6 addresses
   * (`::ffff:10.0.0.1`) match IPv4 entries; a zone (`%eth0`) is ignored.
   * Anything that is not an IP address matches only `*`.
   *
   * @param address - an IPv4 or IPv6 address, without brackets.
   */
  matches(address: string): boolean;
  /**
   * Tells whether the immediate peer of a connection is on the list. A peer
   * is a unix-socket peer when `client` is `null` or `server.port` is `null`;
   * such a peer matches `unix` and `*` only.
   *
   * @param peer - the scope, or any object with its `client` and `server`.
   */
  matchesPeer(peer: PeerInfo): boolean;
}

// Every address is held as 128 bits in four signed 32-bit words; an IPv4
// address takes its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one comparison
// covers both families and mapped addresses match IPv4 ranges for free.
const WORDS_PER_RULE = 8; // four of network, four of mask

/**
 * Compiles a list of trusted addresses once, so that each check is a few
 * integer comparisons. Entries are:
 *
 * - an IPv4 or IPv6 address: `127.0.0.1`, `::1`;
 * - a CIDR range: `10.0.0.0/8`, `fd00::/8` (host bits past the prefix are
 *   ignored, so `10.1.2.3/8` means `10.0.0.0/8`);
 * - `unix`: peers on a unix socket;
 * - `*`: every peer.
 *
 * Surrounding whitespace is ignored. IPv4 entries also match IPv4-mapped IPv6
 * addresses; the IPv6 entries `::ffff:0:0/96` and `::/0` also match IPv4
 * addresses.
 *
 * @example
 * ```ts
 * const trusted = createAddressMatcher(['10.0.0.0/8', '::1', 'unix']);
 * trusted.matches('::ffff:10.1.2.3'); // true
 * ```
 *
 * @param list - the entries.
 * @returns the compiled matcher.
 * @throws {@link TsgiError} with code `ERR_TSGI_INVALID_ARGUMENT` when the list
 * is not an array of strings or an entry is none of the above, naming the
 * entry: `"10.0.0.0/33" is not an IP address or CIDR`.
 */
export function createAddressMatcher(list: readonly string[]): AddressMatcher {
  if (!Array.isArray(list)) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `trusted address list: expected an array of strings, received ${describeValue(list)}`,
    );
  }
  let matchesAll = false;
  let matchesUnix = false;
  const parsed: Int32Array[] = [];
  for (let i = 0; i < list.length; i++) {
    const raw: unknown = list[i];
    if (typeof raw !== 'string') {
      throw new TsgiError(
        ErrorCode.INVALID_ARGUMENT,
        `trusted address list: entry ${i} is ${describeValue(raw)}, expected a string`,
      );
    }
    const entry = raw.trim();
    if (entry === '*') matchesAll = true;
    else if (entry === 'unix') matchesUnix = true;
    else parsed.push(compileEntry(entry));
  }
  const rules = new Int32Array(parsed.length * WORDS_PER_RULE);
  parsed.forEach((rule, index) => {
    rules.set(rule, index * WORDS_PER_RULE);
  });
  const scratch = new Int32Array(4);

  const matches = (address: string): boolean => {
    if (matchesAll) return true;
    if (rules.length === 0 || !parseAddress(address, scratch)) return false;
    for (let r = 0; r < rules.length; r += WORDS_PER_RULE) {
      if (
        (scratch[0]! & rules[r + 4]!) === rules[r]! &&
        (scratch[1]! & rules[r + 5]!) === rules[r + 1]! &&
        (scratch[2]! & rules[r + 6]!) === rules[r + 2]! &&
        (scratch[3]! & rules[r + 7]!) === rules[r + 3]!
      ) {
        return true;
      }
    }
    return false;
  };

  return {
    matchesAll,
    matchesUnix,
    matches,
    matchesPeer(peer: PeerInfo): boolean {
      if (matchesAll) return true;
      if (peer.client === null || peer.server?.port === null) return matchesUnix;
      return matches(peer.client.host);
    },
  };
}

/** Turns one address or CIDR entry into its network and mask words, or throws. */
function compileEntry(entry: string): Int32Array {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = address.includes('%') ? 0 : isIP(address);
  let prefix = family === 4 ? 32 : 128;
  if (family !== 0 && slash !== -1) {
    const bits = entry.slice(slash + 1);
    prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
    if (prefix > (family === 4 ? 32 : 128)) prefix = -1;
  }
  if (family === 0 || prefix < 0) {
    throw new TsgiError(
      ErrorCode.INVALID_ARGUMENT,
      `${describeValue(entry)} is not an IP address or CIDR (expected an address such as "10.0.0.1" or "::1", a range such as "10.0.0.0/8" or "fd00::/8", "unix" or "*")`,
    );
  }
  // An IPv4 prefix counts from bit 96 of the mapped form.
  if (family === 4) prefix += 96;
  const rule = new Int32Array(WORDS_PER_RULE);
  parseAddress(address, rule);
  for (let w = 0; w < 4; w++) {
    const bits = Math.min(32, Math.max(0, prefix - w * 32));
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) | 0;
    rule[w + 4] = mask;
    rule[w] = rule[w]! & mask;
  }
  return rule;
}

/**
 * Writes the 128-bit form of an IP address into `out[0..3]`. Returns `false`
 * (and leaves `out` in an unspecified state) when `text` is not an address.
 */
function parseAddress(text: string, out: Int32Array): boolean {
  const v4 = ipv4Word(text);
  if (v4 !== null) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return true;
  }
  const zone = text.indexOf('%');
  const address = zone === -1 ? text : text.slice(0, zone);
  if (isIP(address) !== 6) return false;
  parseIPv6(address, out);
  return true;
}

/**
 * Reads a dotted-decimal IPv4 address (four numbers 0 to 255 without leading
 * zeros, the form `net.isIP` accepts) as a signed 32-bit word, or returns
 * `null`. Faster than `isIP`, which matters because every request from a
 * trusted peer checks a few addresses.
 *
 * @param text - the candidate.
 */
export function ipv4Word(text: string): number | null {
  const length = text.length;
  if (length < 7 || length > 15) return null;
  let word = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return null;
      word = (word << 8) | octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return null; // a leading zero
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  if (digits === 0 || dots !== 3) return null;
  return (word << 8) | octet;
}

/** Reads the dotted IPv4 tail of an IPv6 address that `isIP` accepted, from `start`. */
function parseIPv4Tail(text: string, start: number): number {
  let word = 0;
  let octet = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      word = (word << 8) | octet;
      octet = 0;
    } else {
      octet = octet * 10 + (c - 0x30);
    }
  }
  return (word << 8) | octet;
}

const groups = new Uint16Array(8);

/** Reads an IPv6 address that `isIP` accepted (no zone) into four words. */
function parseIPv6(text: string, out: Int32Array): void {
  let count = 0;
  let gap = -1;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) {
      if (digits > 0) groups[count++] = value;
      value = 0;
      digits = 0;
      if (text.charCodeAt(i + 1) === 0x3a) {
        gap = count;
        i++;
      }
    } else if (c === 0x2e) {
      // An embedded IPv4 tail: the digits read so far belong to it, reread them.
      const v4 = parseIPv4Tail(text, text.lastIndexOf(':', i) + 1);
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      digits = 0;
      break;
    } else {
      value = value * 16 + hexDigit(c);
      digits++;
    }
  }
  if (digits > 0) groups[count++] = value;
  if (gap !== -1) {
    // Move the groups after "::" to the end and zero the gap.
    const tail = count - gap;
    for (let j = tail - 1; j >= 0; j--) groups[8 - tail + j] = groups[gap + j]!;
    for (let j = gap; j < 8 - tail; j++) groups[j] = 0;
  }
  for (let w = 0; w < 4; w++) out[w] = (groups[2 * w]! << 16) | groups[2 * w + 1]!;
}

function hexDigit(c: number): number {
  if (c <= 0x39) return c - 0x30;
  return (c | 0x20) - 0x57;
}
