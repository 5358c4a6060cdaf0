/**
 * `multipart/form-data` bodies, parsed by `@fastify/busboy` from a body that
 * is already in memory (and so already under the request's body limit).
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { BadRequest, PayloadTooLarge } from '../http-error.js';
import type { FormLimits, FormValue } from './form.js';
import { UploadedFile } from './uploaded-file.js';

// Busboy counts limits with `>` and `===`; Infinity is what it takes for "none".
function busboyLimit(value: number): number {
  return Number.isFinite(value) ? Math.floor(value) : Number.POSITIVE_INFINITY;
}

/**
 * Parses a multipart form body into `[name, value]` entries in the order the
 * parts were sent.
 *
 * @param bytes - the whole body.
 * @param contentType - the raw `content-type`, with its `boundary`.
 * @param limits - how many fields and files, and how large each may be.
 * @throws {@link BadRequest} when there is no boundary or the body is malformed.
 * @throws {@link PayloadTooLarge} when a limit is passed.
 */
export function parseMultipart(
  bytes: Uint8Array,
  contentType: string,
  limits: FormLimits,
): Promise<[string, FormValue][]> {
  return new Promise((resolve, reject) => {
    const entries: [string, FormValue][] = [];
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };

    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { 'content-type': contentType },
        limits: {
          fields: busboyLimit(limits.maxFields),
          fieldSize: busboyLimit(limits.maxFieldSize),
          files: busboyLimit(limits.maxFiles),
          fileSize: busboyLimit(limits.maxFileSize),
        },
      });
    } catch (error) {
      fail(new BadRequest('the multipart content-type has no boundary', { cause: error }));
      return;
    }

    let openFiles = 0;
    let parserDone = false;
    const finishIfDone = (): void => {
      if (parserDone && openFiles === 0 && !settled) {
        settled = true;
        resolve(entries);
      }
    };

    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) {
        fail(
          new PayloadTooLarge(
            `form field ${JSON.stringify(name)} is larger than ${limits.maxFieldSize} bytes`,
            { limit: limits.maxFieldSize },
          ),
        );
        return;
      }
      entries.push([name, value]);
    });

    parser.on('file', (name, stream: BusboyFileStream, filename, _encoding, mimeType) => {
      // Keep the entry's place now: the field events of later parts come before this file ends.
      const slot = entries.length;
      entries.push([name, '']);
      openFiles++;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        fail(
          new PayloadTooLarge(
            `uploaded file ${JSON.stringify(filename ?? name)} is larger than ${limits.maxFileSize} bytes`,
            { limit: limits.maxFileSize },
          ),
        );
      });
      stream.on('error', (error: Error) => {
        fail(new BadRequest('the multipart body is malformed', { cause: error }));
      });
      stream.on('end', () => {
        entries[slot] = [
          name,
          new UploadedFile(
            name,
            filename ?? '',
            mimeType || 'application/octet-stream',
            chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
          ),
        ];
        openFiles--;
        finishIfDone();
      });
    });

    parser.on('fieldsLimit', () => {
      fail(
        new PayloadTooLarge(`the form has more than ${limits.maxFields} fields`, {
          limit: limits.maxFields,
        }),
      );
    });
    parser.on('filesLimit', () => {
      fail(
        new PayloadTooLarge(`the form has more than ${limits.maxFiles} files`, {
          limit: limits.maxFiles,
        }),
      );
    });
    parser.on('error', (error: unknown) => {
      fail(new BadRequest('the multipart body is malformed', { cause: error }));
    });
    parser.on('finish', () => {
      parserDone = true;
      finishIfDone();
    });

    parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
