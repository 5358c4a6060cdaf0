/**
 * File responses (`http.response.file`, EXT-FILE-2): the file is opened and
 * measured before any of its bytes go out, so that a missing or short file
 * fails the send cleanly, then read in pieces that each wait for the
 * transport to accept the previous one (HTTP-BP-1).
 *
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises';
import { TsgiError } from 'tsgi';

/** The code of {@link FileResponseError}. */
export const FILE_ERROR_CODE = 'ERR_TSGI_SERVER_FILE';

/** How many bytes of a file are read and written at a time. */
export const FILE_CHUNK_SIZE = 64 * 1024;

/** A file response could not be carried out (EXT-FILE-2). */
export class FileResponseError extends TsgiError {
  /** The path the app named. */
  readonly path: string;

  /**
   * @param path - the file.
   * @param message - one line: what went wrong.
   * @param cause - the system error, if any.
   */
  constructor(path: string, message: string, cause?: unknown) {
    super(FILE_ERROR_CODE, message, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}

/** An open file and the range of it to send. */
export interface FileRange {
  /** The open file. */
  readonly handle: FileHandle;
  /** The path, for messages. */
  readonly path: string;
  /** The first byte to send. */
  readonly offset: number;
  /** How many bytes to send. */
  readonly length: number;
}

/**
 * Opens `path` and checks that it is a regular file holding `length` bytes
 * from `offset` (the rest of the file when `length` is `null`).
 *
 * @throws {@link FileResponseError} when it cannot be opened, is not a
 *   regular file, or holds fewer bytes than asked for.
 */
export async function openFileRange(
  path: string,
  offset: number,
  length: number | null,
): Promise<FileRange> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new FileResponseError(path, `cannot open ${path} for http.response.file: ${code}`, error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new FileResponseError(path, `http.response.file path ${path} is not a regular file`);
    }
    const available = Math.max(0, stat.size - offset);
    const wanted = length ?? available;
    if (wanted > available) {
      throw new FileResponseError(
        path,
        `${path} holds ${available} bytes from offset ${offset}, fewer than the ${wanted} asked for`,
      );
    }
    return { handle, path, offset, length: wanted };
  } catch (error) {
    await handle.close().catch(() => {});
    if (error instanceof FileResponseError) throw error;
    throw new FileResponseError(path, `cannot read ${path} for http.response.file`, error);
  }
}

/**
 * Reads the range and hands each piece to `write`, waiting for its promise
 * before reading on. Closes the file in every case.
 *
 * @throws {@link FileResponseError} when reading fails or the file shrank
 *   meanwhile; whatever `write` rejects with.
 */
export async function streamFileRange(
  range: FileRange,
  write: (piece: Uint8Array) => Promise<void>,
): Promise<void> {
  const { handle, path } = range;
  let position = range.offset;
  let remaining = range.length;
  try {
    while (remaining > 0) {
      const size = Math.min(FILE_CHUNK_SIZE, remaining);
      // A fresh buffer per piece: the socket may still hold the previous one.
      const buffer = Buffer.allocUnsafe(size);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, size, position));
      } catch (error) {
        throw new FileResponseError(path, `cannot read ${path} for http.response.file`, error);
      }
      if (bytesRead === 0) {
        throw new FileResponseError(
          path,
          `${path} ended ${remaining} bytes before the length announced for it`,
        );
      }
      position += bytesRead;
      remaining -= bytesRead;
      await write(bytesRead === size ? buffer : buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close().catch(() => {});
  }
}
