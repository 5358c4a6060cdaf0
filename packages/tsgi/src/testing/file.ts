/**
 * File responses of the harness's server (EXT-FILE-2): the bytes of a file
 * range, read when the application sends `http.response.file`.
 *
 * `node:fs` is loaded only when a file event arrives, so the harness runs
 * wherever the rest of the package does.
 *
 * @module
 */

import { ProtocolError } from '../errors.js';
import type { HttpFileAction } from '../protocol/http.js';

/**
 * Reads the bytes an `http.response.file` event asks for.
 *
 * @returns exactly `length` bytes (the rest of the file when `length` is `null`).
 * @throws the file system's error when the file cannot be opened or read;
 *   ProtocolError (EXT-FILE-2) when it is not a regular file or holds fewer
 *   bytes than asked for, or (HTTP-RESP-7) when the range does not meet the
 *   response's `content-length`.
 */
export async function readFileRange(action: HttpFileAction): Promise<Uint8Array> {
  // Zero bytes need no file (HEAD, 204 and 304 allow no others).
  if (action.length === 0) return new Uint8Array(0);
  const { open } = await import('node:fs/promises');
  const handle = await open(action.path, 'r');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new ProtocolError(
        'EXT-FILE-2',
        'http.response.file path',
        'a regular file',
        JSON.stringify(action.path),
      );
    }
    const available = Math.max(0, stats.size - action.offset);
    const wanted = action.length ?? available;
    if (wanted > available) {
      throw new ProtocolError(
        'EXT-FILE-2',
        'http.response.file',
        `${wanted} bytes from offset ${action.offset}`,
        `a file of ${stats.size} bytes`,
      );
    }
    if (action.requiredLength !== null && wanted !== action.requiredLength) {
      throw new ProtocolError(
        'HTTP-RESP-7',
        'http.response.file',
        `${action.requiredLength} more body bytes (content-length)`,
        `${wanted} bytes from the file`,
      );
    }
    const bytes = new Uint8Array(wanted);
    let read = 0;
    while (read < wanted) {
      const { bytesRead } = await handle.read(bytes, read, wanted - read, action.offset + read);
      if (bytesRead === 0) {
        throw new ProtocolError(
          'EXT-FILE-2',
          'http.response.file',
          `${wanted} bytes from offset ${action.offset}`,
          `${read} bytes before the end of the file`,
        );
      }
      read += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
