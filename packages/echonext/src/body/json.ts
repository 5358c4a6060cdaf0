/**
 * Parsing a JSON request body.
 *
 * @module
 */

import { BadRequest, UnsupportedMediaType } from '../http-error.js';
import { isJsonType, type MediaType } from './content-type.js';

/** Options of a JSON read. */
export interface JsonOptions {
  /**
   * Require a JSON `content-type` (`application/json` or a `+json` type).
   * Defaults to `true`: besides catching client mistakes, it means a
   * cross-site form post, which cannot set that type without a CORS
   * preflight, never reaches a JSON endpoint.
   */
  readonly strictContentType?: boolean;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks that a body of this media type may be read as JSON: a JSON type
 * (unless `strictContentType` is `false`) and no charset other than UTF-8.
 *
 * @param mediaType - the parsed `content-type`, or `null` when absent.
 * @param options - whether to require a JSON content type.
 * @throws {@link UnsupportedMediaType} otherwise.
 */
export function checkJsonMediaType(mediaType: MediaType | null, options: JsonOptions = {}): void {
  if (options.strictContentType !== false && (mediaType === null || !isJsonType(mediaType.type))) {
    throw new UnsupportedMediaType(
      `expected a JSON request body (content-type application/json), received ${
        mediaType === null ? 'no content-type' : mediaType.type
      }`,
      { details: { expected: 'application/json' } },
    );
  }
  const charset = mediaType?.params.get('charset');
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new UnsupportedMediaType(
      `a JSON request body must be UTF-8, received charset ${JSON.stringify(charset)}`,
      { details: { charset } },
    );
  }
}

/**
 * Parses a JSON body (RFC 8259: UTF-8 text), after {@link checkJsonMediaType}.
 *
 * @param bytes - the body.
 * @param mediaType - the parsed `content-type`, or `null` when absent.
 * @param options - whether to require a JSON content type.
 * @returns the parsed value.
 * @throws {@link UnsupportedMediaType} as {@link checkJsonMediaType} does.
 * @throws {@link BadRequest} for an empty body, invalid UTF-8 or malformed
 *   JSON; `details.position` locates a syntax error when the parser tells.
 */
export function parseJsonBody(
  bytes: Uint8Array,
  mediaType: MediaType | null,
  options: JsonOptions = {},
): unknown {
  checkJsonMediaType(mediaType, options);
  if (bytes.byteLength === 0) {
    throw new BadRequest('the request body is empty; expected JSON');
  }
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch (error) {
    throw new BadRequest('the request body is not valid UTF-8', { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    throw new BadRequest(
      'the request body is not valid JSON',
      position === undefined
        ? { cause: error }
        : { cause: error, details: { position: Number(position) } },
    );
  }
}
