/**
 * Decoding a body to text with the charset its `content-type` names.
 *
 * @module
 */

import { UnsupportedMediaType } from '../http-error.js';
import type { MediaType } from './content-type.js';

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes `bytes` with the `charset` parameter of `mediaType`, UTF-8 when
 * there is none. Any WHATWG encoding label is understood; a byte sequence
 * that is invalid in the charset becomes U+FFFD, and a leading byte order
 * mark is dropped.
 *
 * @param bytes - the body.
 * @param mediaType - the parsed `content-type`, or `null`.
 * @throws {@link UnsupportedMediaType} for a charset no decoder knows.
 */
export function decodeText(bytes: Uint8Array, mediaType: MediaType | null): string {
  const charset = mediaType?.params.get('charset');
  if (charset === undefined || /^utf-?8$/i.test(charset)) return utf8.decode(bytes);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch (error) {
    throw new UnsupportedMediaType(
      `the request body's charset ${JSON.stringify(charset)} is not supported`,
      { cause: error, details: { charset } },
    );
  }
  return decoder.decode(bytes);
}
