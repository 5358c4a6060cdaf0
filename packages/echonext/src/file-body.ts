/**
 * Sending a file as the response body: with the `http.response.file` event
 * when the server advertises it (EXT-FILE-1), so the server can use
 * `sendfile`; otherwise read here in pieces and streamed with backpressure.
 *
 * @module
 */

import type { Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { HttpScope, HttpSendEvent } from 'tsgi';
import { TsgiError } from 'tsgi';
import { Forbidden, NotFound } from './http-error.js';
import { UsageError, UsageErrorCode } from './usage-error.js';

/** How a response hands events to the server: a TSGI `send` for HTTP. */
export type HttpSend = (event: HttpSendEvent) => Promise<void>;

/** The size of the pieces a file is read in when the server cannot send it by path. */
export const FILE_CHUNK_SIZE = 64 * 1024;

/** Stable code of {@link FileChangedError}. */
export const FILE_CHANGED = 'ERR_ECHONEXT_FILE_CHANGED';

/**
 * The file got shorter while it was being sent. The response promised more
 * bytes in `content-length`, so it cannot end well: the error lets the server
 * abort the connection (HTTP-RESP-11).
 */
export class FileChangedError extends TsgiError {
  /** @param path - the file. */
  constructor(path: string) {
    super(FILE_CHANGED, `the file ${JSON.stringify(path)} got shorter while it was being sent`);
  }
}

/** Options of {@link FileBody}. */
export interface FileBodyOptions {
  /** The first byte to send. Defaults to 0. */
  readonly offset?: number;
  /** How many bytes to send. Defaults to the rest of the file. */
  readonly length?: number;
}

/**
 * A response body that is (a part of) a file on disk, named by path. The
 * file is opened only when the response is sent.
 */
export class FileBody {
  /** The absolute path. */
  readonly path: string;
  /** The first byte to send. */
  readonly offset: number;
  /** How many bytes to send, or `undefined` for the rest of the file. */
  readonly length: number | undefined;

  /**
   * @param path - the file; a relative path is resolved against the working directory.
   * @param options - the part of the file to send.
   * @throws {@link UsageError} `INVALID_ARGUMENT` for an empty path or a negative range.
   */
  constructor(path: string, options: FileBodyOptions = {}) {
    if (typeof path !== 'string' || path === '') {
      throw new UsageError(UsageErrorCode.INVALID_ARGUMENT, 'a file body needs a path');
    }
    const { offset = 0, length } = options;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new UsageError(
        UsageErrorCode.INVALID_ARGUMENT,
        'a file offset is a non-negative integer',
      );
    }
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
      throw new UsageError(
        UsageErrorCode.INVALID_ARGUMENT,
        'a file length is a non-negative integer',
      );
    }
    // http.response.file names an absolute path (EXT-FILE-1).
    this.path = isAbsolute(path) ? path : resolve(path);
    this.offset = offset;
    this.length = length;
  }
}

/** A file ready to send: its facts, and an open handle when it will be read here. */
export interface OpenedFile {
  /** The absolute path. */
  readonly path: string;
  /** The handle to read from, or `null` when the server sends the file by path. */
  readonly handle: FileHandle | null;
  /** The file's size, modification time and the rest. */
  readonly stats: Stats;
}

/** Tells whether the server takes `http.response.file` for this request (EXT-1). */
export function canSendFileEvent(scope: HttpScope): boolean {
  return scope.extensions?.['http.response.file'] !== undefined;
}

function answerFor(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new NotFound(undefined, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM') return new Forbidden(undefined, { cause: error });
  return error;
}

/**
 * Opens (or, when the server sends by path, only stats) a regular file.
 * Nothing has been sent when this throws, so the app can still answer.
 *
 * @param path - an absolute path.
 * @param byPath - whether the server will send the file by path.
 * @throws {@link NotFound} when it is missing or not a regular file.
 * @throws {@link Forbidden} when it may not be read.
 */
export async function openFile(path: string, byPath: boolean): Promise<OpenedFile> {
  if (byPath) {
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (error) {
      throw answerFor(error);
    }
    if (!stats.isFile()) throw new NotFound();
    return { path, handle: null, stats };
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw answerFor(error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotFound();
    return { path, handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Sends `length` bytes of the file from `offset` as the rest of the body,
 * after `http.response.start`, and so ends the response.
 *
 * @param send - the TSGI `send`.
 * @param file - the file from {@link openFile}.
 * @param offset - the first byte.
 * @param length - how many bytes.
 * @throws {@link FileChangedError} when the file ends early.
 */
export async function sendFileRange(
  send: HttpSend,
  file: OpenedFile,
  offset: number,
  length: number,
): Promise<void> {
  const handle = file.handle;
  if (handle === null) {
    await send({ type: 'http.response.file', path: file.path, offset, length });
    return;
  }
  if (length === 0) {
    await send({ type: 'http.response.body', body: new Uint8Array(0), moreBody: false });
    return;
  }
  let position = offset;
  let remaining = length;
  while (remaining > 0) {
    const size = Math.min(FILE_CHUNK_SIZE, remaining);
    // A fresh buffer per piece: the server may still hold the previous one.
    const { bytesRead, buffer } = await handle.read(new Uint8Array(size), 0, size, position);
    if (bytesRead === 0) throw new FileChangedError(file.path);
    position += bytesRead;
    remaining -= bytesRead;
    const body = bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
    await send({ type: 'http.response.body', body, moreBody: remaining > 0 });
  }
}
