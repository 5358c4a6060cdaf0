/**
 * Checks of `scope.extensions`: an object of objects (HTTP-SCOPE-16), flags
 * as empty objects (EXT-2), and each known extension advertised only where
 * it can work (EXT-TRAILERS-1, EXT-HINTS-2, EXT-TLS-1).
 *
 * @module
 */

import { describeValue, ProtocolError } from '../errors.js';
import { isRecord } from '../protocol/fields.js';
import { headerValues, listsToken } from '../protocol/headers.js';
import type { HeaderList } from '../types.js';

/** Extensions that carry no data and so must be empty objects (EXT-2). */
const FLAG_EXTENSIONS = [
  'http.response.trailers',
  'http.response.earlyHints',
  'http.response.file',
  'websocket.http.response',
];

/**
 * Checks the extensions of an HTTP or WebSocket scope whose other fields
 * were already checked.
 *
 * @param fields - the scope.
 * @param secure - whether the connection uses TLS (`https` or `wss`).
 * @throws ProtocolError naming the first rule broken.
 */
export function checkExtensions(fields: Record<string, unknown>, secure: boolean): void {
  const extensions = fields.extensions;
  if (!isRecord(extensions)) {
    throw new ProtocolError(
      'HTTP-SCOPE-16',
      'scope.extensions',
      'an object',
      describeValue(extensions),
    );
  }
  for (const name in extensions) {
    const value = extensions[name];
    if (value !== undefined && (typeof value !== 'object' || value === null)) {
      throw new ProtocolError(
        'HTTP-SCOPE-16',
        `scope.extensions[${JSON.stringify(name)}]`,
        'an object',
        describeValue(value),
      );
    }
  }
  for (const name of FLAG_EXTENSIONS) {
    const flag = extensions[name];
    if (flag !== undefined && (!isRecord(flag) || Object.keys(flag).length > 0)) {
      throw new ProtocolError(
        'EXT-2',
        `scope.extensions[${JSON.stringify(name)}]`,
        'an empty object',
        describeValue(flag),
      );
    }
  }
  const httpVersion = fields.httpVersion;
  if (fields.type === 'http') {
    if (
      extensions['http.response.trailers'] !== undefined &&
      (httpVersion === '1.0' ||
        !listsToken(headerValues(fields.headers as HeaderList, 'te'), 'trailers'))
    ) {
      throw new ProtocolError(
        'EXT-TRAILERS-1',
        'scope.extensions["http.response.trailers"]',
        'only for a request with "TE: trailers" on HTTP/1.1 or later',
        httpVersion === '1.0' ? 'it on HTTP/1.0' : 'it without "TE: trailers"',
      );
    }
    if (extensions['http.response.earlyHints'] !== undefined && httpVersion === '1.0') {
      throw new ProtocolError(
        'EXT-HINTS-2',
        'scope.extensions["http.response.earlyHints"]',
        'only on HTTP/1.1 and later',
        'it on HTTP/1.0',
      );
    }
  }
  const tls = extensions.tls;
  if (tls === undefined) return;
  if (!secure) {
    throw new ProtocolError(
      'EXT-TLS-1',
      'scope.extensions.tls',
      'absent on a plaintext connection',
      'it present',
    );
  }
  if (!isRecord(tls)) {
    throw new ProtocolError('EXT-TLS-1', 'scope.extensions.tls', 'an object', describeValue(tls));
  }
  for (const key of ['protocol', 'cipher'] as const) {
    if (typeof tls[key] !== 'string') {
      throw new ProtocolError(
        'EXT-TLS-1',
        `scope.extensions.tls.${key}`,
        'a string',
        describeValue(tls[key]),
      );
    }
  }
  for (const key of ['serverName', 'alpnProtocol', 'clientCertificate'] as const) {
    const value = tls[key];
    if (value !== null && typeof value !== 'string') {
      throw new ProtocolError(
        'EXT-TLS-1',
        `scope.extensions.tls.${key}`,
        'a string or null',
        describeValue(value),
      );
    }
  }
}
