/**
 * The path rule of HTTP-SCOPE-6, checked: is `scope.path` the percent-decoded
 * `scope.rawPath`? `%2F` decodes to "/", `%25` to "%", bytes that are not
 * valid UTF-8 become U+FFFD, and a "%" not followed by two hex digits stays
 * as it is.
 *
 * @module
 */

const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Tells whether `path` is `rawPath` percent-decoded (HTTP-SCOPE-6), also
 * allowing the decoded path to follow `rootPath` when a proxy stripped the
 * mount point from the target. A raw path with characters outside ASCII is
 * not judged: how its bytes became text is the server's business.
 */
export function pathMatchesRaw(path: string, rawPath: string, rootPath: string): boolean {
  if (path === rawPath && !rawPath.includes('%')) return true;
  const decoded = percentDecode(rawPath);
  if (decoded === null) return true;
  return decoded === path || rootPath + decoded === path;
}

/** Percent-decodes as UTF-8 with U+FFFD for invalid bytes; `null` for a non-ASCII input. */
function percentDecode(raw: string): string | null {
  const bytes = new Uint8Array(raw.length);
  let length = 0;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0x7f) return null;
    if (code === 37 && i + 2 < raw.length) {
      const high = hexValue(raw.charCodeAt(i + 1));
      const low = hexValue(raw.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    bytes[length++] = code;
  }
  return UTF8.decode(bytes.subarray(0, length));
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}
