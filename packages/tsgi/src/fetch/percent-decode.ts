/**
 * Percent-decoding of request paths, shared by the fetch bridges.
 *
 * @module
 */

const utf8Encoder = new TextEncoder();
// `ignoreBOM` keeps a decoded U+FEFF in the path instead of silently dropping it.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The value of one hexadecimal digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Decodes `%XX` escapes in a path and reads the bytes as UTF-8 (HTTP-SCOPE-6).
 *
 * `%2F` becomes `/`, a byte sequence that is not UTF-8 becomes U+FFFD, and a
 * `%` not followed by two hex digits stays as it is. Unlike
 * `decodeURIComponent`, this never throws.
 *
 * @param rawPath - a path as it appears in a request target.
 * @returns the decoded path.
 */
export function decodePath(rawPath: string): string {
  if (rawPath.indexOf('%') === -1) return rawPath;
  // Encoding first turns any non-ASCII characters into their UTF-8 bytes, so
  // escapes and literal characters join into one byte sequence to decode.
  const bytes = utf8Encoder.encode(rawPath);
  let write = 0;
  for (let read = 0; read < bytes.length; read++) {
    const byte = bytes[read]!;
    if (byte === 0x25 && read + 2 < bytes.length) {
      const high = hexValue(bytes[read + 1]!);
      const low = high === -1 ? -1 : hexValue(bytes[read + 2]!);
      if (low !== -1) {
        bytes[write++] = (high << 4) | low;
        read += 2;
        continue;
      }
    }
    bytes[write++] = byte;
  }
  return utf8Decoder.decode(bytes.subarray(0, write));
}
