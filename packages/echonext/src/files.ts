/**
 * File responses with the HTTP caching and range machinery browsers and
 * download tools rely on: a weak `etag` and `last-modified`, conditional
 * `GET` answered with 304 (RFC 9110 13), a single byte range answered with
 * 206 or 416 (RFC 9110 14), a content type from the file extension, and
 * `content-disposition` for downloads.
 *
 * `file()` serves exactly the path it is given: a view that builds the path
 * from the request must itself keep it inside the intended directory.
 *
 * @module
 */

import type { Stats } from 'node:fs';
import { basename, extname } from 'node:path';
import type { HeaderList, HttpScope } from 'tsgi';
import { canSendFileEvent, FileBody, type HttpSend, openFile, sendFileRange } from './file-body.js';
import { hasHeader, headerValue, setHeader } from './headers.js';
import { Response, type ResponseInit } from './response.js';

const TEXT = '; charset=utf-8';

/** Content types by lowercase extension (with the dot); everything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': `text/html${TEXT}`,
  '.htm': `text/html${TEXT}`,
  '.css': `text/css${TEXT}`,
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': `text/plain${TEXT}`,
  '.md': `text/markdown${TEXT}`,
  '.csv': `text/csv${TEXT}`,
  '.xml': `application/xml${TEXT}`,
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/**
 * The content type of a file, from its extension.
 *
 * @param path - a file path or name.
 */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Options of {@link file}. */
export interface FileInit extends ResponseInit {
  /**
   * Send as a download: `true` uses the file's own name, a string names it.
   * Sets `content-disposition: attachment`.
   */
  readonly download?: boolean | string;
  /** Send `etag` and answer `if-none-match`. Defaults to `true`. */
  readonly etag?: boolean;
  /** Send `last-modified` and answer `if-modified-since`. Defaults to `true`. */
  readonly lastModified?: boolean;
}

/**
 * A weak entity tag from size and modification time: cheap (no hashing) and
 * changes whenever either does. Weak, because equal size and time do not
 * prove equal bytes.
 *
 * @param stats - the file's stats.
 */
export function weakEtag(stats: Pick<Stats, 'size' | 'mtimeMs'>): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/**
 * A `content-disposition` value for a download named `filename`: a plain
 * ASCII `filename` for old clients and an RFC 8187 `filename*` when the name
 * needs more.
 *
 * @param filename - the name the client should save the file under.
 */
export function attachment(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  if (fallback === filename) return `attachment; filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** A byte range, inclusive bounds. */
export interface ByteRange {
  /** First byte. */
  readonly start: number;
  /** Last byte. */
  readonly end: number;
}

/**
 * Reads a `range` header against a representation of `size` bytes. Only a
 * single `bytes` range is served; several ranges, other units and malformed
 * values read as no range at all (RFC 9110 14.2 lets a server ignore `range`).
 *
 * @param value - the `range` header value.
 * @param size - the representation's length.
 * @returns the range, `'unsatisfiable'` (answer 416), or `null` (send it all).
 */
export function parseRange(value: string, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^bytes=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i.exec(value);
  if (match === null) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // A suffix range: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const tag of header.match(/(?:W\/)?"[^"]*"/g) ?? []) {
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === opaque) return true;
  }
  return false;
}

/** Seconds since the epoch, as HTTP dates carry them. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * A response that sends a file. Its status and headers are settled when it
 * is sent, from the file's stats and the request's conditional and range
 * headers: 200, 206 for a satisfiable single range, 304 when the client's
 * copy is current, 416 for a range past the end.
 */
export class FileResponse extends Response {
  /** The options it was created with. */
  readonly init: FileInit;
  declare body: FileBody;

  /**
   * @param path - the file; a relative path is resolved against the working directory.
   * @param init - status, headers, content type, download name, validators.
   */
  constructor(path: string, init: FileInit = {}) {
    super(new FileBody(path), init);
    this.init = init;
    if (!this.hasHeader('content-type')) this.setHeader('content-type', contentTypeFor(path));
    if (init.download !== undefined && init.download !== false) {
      const name = init.download === true ? basename(path) : init.download;
      this.setHeader('content-disposition', attachment(name));
    }
  }

  /** The absolute path of the file. */
  get path(): string {
    return this.body.path;
  }

  /**
   * Stats the file, answers the conditional and range headers, and sends.
   *
   * @throws `NotFound` (before anything is sent) when the file is missing or not a regular file.
   */
  override async send(scope: HttpScope, send: HttpSend): Promise<void> {
    const head = scope.method === 'HEAD';
    const file = await openFile(this.path, head || canSendFileEvent(scope));
    try {
      const plan = this.#plan(scope, file.stats);
      if (plan === null) {
        await super.send(scope, send);
        return;
      }
      await send({ type: 'http.response.start', status: plan.status, headers: plan.headers });
      if (plan.length === 0 || head) {
        await send({ type: 'http.response.body', body: new Uint8Array(0), moreBody: false });
      } else {
        await sendFileRange(send, file, plan.offset, plan.length);
      }
    } finally {
      await file.handle?.close();
    }
  }

  /**
   * Decides status, headers and the part of the file to send; `null` when
   * the plain {@link Response.send} applies (a status other than 200 set by hand).
   */
  #plan(
    scope: HttpScope,
    stats: Stats,
  ): { status: number; headers: HeaderList; offset: number; length: number } | null {
    if (this.status !== 200) return null;
    const request = scope.headers;
    const headers = this.outgoingHeaders(scope);
    const etag = this.init.etag === false ? undefined : weakEtag(stats);
    const modified = this.init.lastModified === false ? undefined : new Date(stats.mtimeMs);
    if (etag !== undefined && !hasHeader(headers, 'etag')) headers.push(['etag', etag]);
    if (modified !== undefined && !hasHeader(headers, 'last-modified')) {
      headers.push(['last-modified', modified.toUTCString()]);
    }

    const getOrHead = scope.method === 'GET' || scope.method === 'HEAD';
    if (getOrHead && this.#notModified(request, etag, modified)) {
      // A 304 carries the validators and cache fields of the 200 it stands for, no content fields.
      return {
        status: 304,
        headers: headers.filter(([name]) => !CONTENT_FIELDS.has(name)),
        offset: 0,
        length: 0,
      };
    }

    const size = stats.size;
    setHeader(headers, 'accept-ranges', 'bytes');
    const rangeHeader = scope.method === 'GET' ? headerValue(request, 'range') : undefined;
    if (rangeHeader !== undefined && this.#rangeStillValid(request, etag, modified)) {
      const range = parseRange(rangeHeader, size);
      if (range === 'unsatisfiable') {
        const out = headers.filter(([name]) => !CONTENT_FIELDS.has(name));
        out.push(['content-range', `bytes */${size}`], ['content-length', '0']);
        return { status: 416, headers: out, offset: 0, length: 0 };
      }
      if (range !== null) {
        const length = range.end - range.start + 1;
        setHeader(headers, 'content-range', `bytes ${range.start}-${range.end}/${size}`);
        setHeader(headers, 'content-length', String(length));
        return { status: 206, headers, offset: range.start, length };
      }
    }
    setHeader(headers, 'content-length', String(size));
    return { status: 200, headers, offset: 0, length: size };
  }

  #notModified(request: HeaderList, etag: string | undefined, modified: Date | undefined): boolean {
    const ifNoneMatch = headerValue(request, 'if-none-match');
    // If-None-Match, when present, decides alone (RFC 9110 13.2.2).
    if (ifNoneMatch !== undefined) return etag !== undefined && etagMatches(ifNoneMatch, etag);
    const ifModifiedSince = headerValue(request, 'if-modified-since');
    if (ifModifiedSince === undefined || modified === undefined) return false;
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && seconds(modified.getTime()) <= seconds(since);
  }

  /**
   * `if-range`: serve the range only if the client's copy is this one. An
   * entity tag must match strongly, which a weak tag never does, so only a
   * date equal to `last-modified` keeps the range (RFC 9110 13.1.5).
   */
  #rangeStillValid(
    request: HeaderList,
    etag: string | undefined,
    modified: Date | undefined,
  ): boolean {
    const ifRange = headerValue(request, 'if-range');
    if (ifRange === undefined) return true;
    const value = ifRange.trim();
    if (value.startsWith('"') || value.startsWith('W/')) {
      return etag !== undefined && !etag.startsWith('W/') && value === etag;
    }
    const date = Date.parse(value);
    return (
      modified !== undefined && !Number.isNaN(date) && seconds(date) === seconds(modified.getTime())
    );
  }
}

/** Fields that describe content a 304 or 416 does not carry. */
const CONTENT_FIELDS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-disposition',
  'content-range',
]);

/**
 * A file response; see {@link FileResponse}.
 *
 * ```ts
 * return file('/srv/reports/2024.pdf', { download: true });
 * ```
 *
 * @param path - the file.
 * @param init - status, headers, content type, download name, validators.
 */
export function file(path: string, init?: FileInit): FileResponse {
  return new FileResponse(path, init);
}
