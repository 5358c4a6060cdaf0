/**
 * The transport of a denial response (section 4.6, EXT-WSDENY-2): the HTTP
 * response an application sends instead of accepting a handshake, written
 * to the handshake's socket. The WebSocket session has already checked the
 * events and counted the body against `content-length`; this only frames
 * and writes (HTTP-RESP-9, HTTP-RESP-10).
 *
 * @module
 */
import type { Duplex } from 'node:stream';
import { ClientDisconnectedError, type HeaderList } from 'tsgi';
import { closeSocket, formatResponseHead, type ResponseHeadOptions } from './response.js';

/** How the body of a denial response is delimited, as the WebSocket session decided it. */
export type DenialFraming = 'none' | 'content-length' | 'chunked' | 'close';

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

function toBuffer(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Writes a denial response. The head is held back until the first body
 * event, so that a body given whole in one event goes out with a
 * `content-length` instead of chunked coding. The connection is closed after
 * the response: the handshake's connection is never reused.
 */
export class DenialResponse {
  readonly #socket: Duplex;
  readonly #options: ResponseHeadOptions;
  #status = 0;
  #headers: HeaderList = [];
  #framing: DenialFraming = 'none';
  #headSent = false;
  #chunked = false;
  /** Body bytes written so far, for the access log. */
  bytes = 0;

  /**
   * @param socket - the handshake's socket.
   * @param options - whether to add `date` and `server`.
   */
  constructor(socket: Duplex, options: ResponseHeadOptions) {
    this.#socket = socket;
    this.#options = options;
  }

  /** The status of the response, once started; 0 before. */
  get status(): number {
    return this.#status;
  }

  /**
   * The application sent `websocket.http.response.start`.
   *
   * @param status - the status code.
   * @param headers - its checked header fields.
   * @param framing - how the session says the body is delimited.
   */
  start(status: number, headers: HeaderList, framing: DenialFraming): void {
    this.#status = status;
    this.#headers = headers;
    this.#framing = framing;
  }

  /**
   * The application sent a piece of the body.
   *
   * @param body - the piece, a string sent as UTF-8 (HTTP-RESP-15).
   * @param done - whether it is the last piece.
   * @returns a promise that resolves once the bytes are written, and rejects
   *   with `ClientDisconnectedError` when the client is gone.
   */
  write(body: Uint8Array | string, done: boolean): Promise<void> {
    const bytes = this.#framing === 'none' ? Buffer.alloc(0) : toBuffer(body);
    const pieces: Buffer[] = [];
    if (!this.#headSent) {
      this.#headSent = true;
      pieces.push(this.#head(bytes.length, done));
    }
    if (this.#chunked) {
      if (bytes.length > 0)
        pieces.push(Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF);
      if (done) pieces.push(LAST_CHUNK);
    } else if (bytes.length > 0) {
      pieces.push(bytes);
    }
    this.bytes += bytes.length;
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      const written = (error?: Error | null): void => {
        if (error) reject(new ClientDisconnectedError());
        else resolve();
      };
      if (socket.destroyed) {
        written(new Error('socket destroyed'));
        return;
      }
      if (pieces.length === 0) {
        resolve();
      } else {
        socket.write(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), written);
      }
      if (done) closeSocket(socket);
    });
  }

  /** Cuts the connection so that the client cannot take the response for complete. */
  abort(): void {
    this.#socket.destroy();
  }

  #head(length: number, done: boolean): Buffer {
    let headers = this.#headers;
    const framing: string[] = [];
    if (this.#framing === 'chunked') {
      if (done) {
        framing.push(`content-length: ${length}`);
      } else {
        framing.push('transfer-encoding: chunked');
        this.#chunked = true;
      }
    } else if (this.#status === 204) {
      // HTTP-RESP-10: a 204 goes out without content-length.
      headers = headers.filter(([name]) => name !== 'content-length');
    }
    return formatResponseHead(this.#status, headers, framing, this.#options);
  }
}
