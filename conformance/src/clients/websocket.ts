/**
 * A small WebSocket client (RFC 6455) over a raw socket. It can send any
 * frame, well-formed or not (fragments, bad UTF-8, lying lengths), and it
 * reports every frame the server sends, so that cases can judge both.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import type { Target } from '../target.js';
import { buildRequest, RawConnection, type RawHead, WireError } from './raw-http.js';

/** Frame opcodes. */
export const Opcode = {
  /** A continuation of a fragmented message. */
  CONTINUATION: 0x0,
  /** A text frame. */
  TEXT: 0x1,
  /** A binary frame. */
  BINARY: 0x2,
  /** A close frame. */
  CLOSE: 0x8,
  /** A ping. */
  PING: 0x9,
  /** A pong. */
  PONG: 0xa,
} as const;

/** One frame as read from the wire. */
export interface Frame {
  /** Whether this is the last frame of a message. */
  readonly fin: boolean;
  /** The three reserved bits. */
  readonly rsv: number;
  /** The opcode. */
  readonly opcode: number;
  /** Whether the frame was masked (a server must not mask). */
  readonly masked: boolean;
  /** The unmasked payload. */
  readonly payload: Uint8Array;
}

/** A whole text message from the server. */
export interface TextMessage {
  /** The kind. */
  readonly kind: 'text';
  /** The text. */
  readonly text: string;
}

/** A whole binary message from the server. */
export interface BinaryMessage {
  /** The kind. */
  readonly kind: 'binary';
  /** The bytes. */
  readonly bytes: Uint8Array;
}

/** A close frame from the server. */
export interface CloseMessage {
  /** The kind. */
  readonly kind: 'close';
  /** The close code, or `null` when the frame had none. */
  readonly code: number | null;
  /** The close reason. */
  readonly reason: string;
}

/** The connection ended without a close frame. */
export interface EndMessage {
  /** The kind. */
  readonly kind: 'end';
}

/** What the server sent: one whole message, a close, or the end of the connection. */
export type Message = TextMessage | BinaryMessage | CloseMessage | EndMessage;

/** The outcome of an opening handshake. */
export interface Handshake {
  /** The response head the server sent. */
  readonly head: RawHead;
  /** The `Sec-WebSocket-Accept` value the server should send for our key. */
  readonly expectedAccept: string;
  /** The open connection, when the server answered 101. */
  readonly connection: WebSocketConnection | null;
  /** The body of a response other than 101. */
  readonly body: Uint8Array;
  /** Whether that body ended as its framing says. */
  readonly complete: boolean;
}

/** Options of `openWebSocket`, the suite's WebSocket handshake. */
export interface HandshakeOptions {
  /** The request target, with the query. */
  readonly path: string;
  /** `Sec-WebSocket-Protocol` header values, one field line each. */
  readonly protocols?: readonly string[];
  /** More header fields, in order. */
  readonly headers?: readonly (readonly [string, string])[];
  /** How long to wait for the handshake response. */
  readonly timeoutMs?: number;
}

/** Computes the `Sec-WebSocket-Accept` value for a key (RFC 6455 section 4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** Opens a WebSocket connection: sends the handshake and reads the answer. */
export async function openWebSocket(target: Target, options: HandshakeOptions): Promise<Handshake> {
  const raw = await RawConnection.open(target);
  const key = randomBytes(16).toString('base64');
  const headers: [string, string][] = [
    ['Host', target.authority],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
    ...(options.protocols ?? []).map((value): [string, string] => [
      'Sec-WebSocket-Protocol',
      value,
    ]),
    ...(options.headers ?? []).map(([name, value]): [string, string] => [name, value]),
  ];
  await raw.write(buildRequest(`GET ${options.path} HTTP/1.1`, headers));
  try {
    const head = await raw.readHead(options.timeoutMs ?? 5000);
    if (head === null) throw new WireError('the connection closed without a handshake response');
    if (head.status === 101) {
      return {
        head,
        expectedAccept: acceptFor(key),
        connection: new WebSocketConnection(raw),
        body: new Uint8Array(0),
        complete: true,
      };
    }
    const { body, complete } = await raw.readBody(head, { timeoutMs: options.timeoutMs ?? 5000 });
    raw.destroy();
    return { head, expectedAccept: acceptFor(key), connection: null, body, complete };
  } catch (error) {
    raw.destroy();
    throw error;
  }
}

/** Options of {@link WebSocketConnection.sendFrame}. */
export interface FrameOptions {
  /** The opcode. */
  readonly opcode: number;
  /** The payload. */
  readonly payload?: Uint8Array | string;
  /** Whether this frame ends the message. Defaults to `true`. */
  readonly fin?: boolean;
  /** The reserved bits. Defaults to 0. */
  readonly rsv?: number;
  /** Whether to mask, as a client must. Defaults to `true`. */
  readonly mask?: boolean;
  /** A payload length to announce instead of the real one. */
  readonly declaredLength?: bigint;
  /**
   * The masking key; random by default. An all-zero key is valid and leaves
   * the payload as it is, which lets a case send data fast.
   */
  readonly maskKey?: Uint8Array;
}

/** Encodes one client frame, exactly as described (masked unless told otherwise). */
export function encodeFrame(options: FrameOptions): Buffer {
  const payload =
    typeof options.payload === 'string'
      ? Buffer.from(options.payload, 'utf8')
      : Buffer.from(options.payload ?? new Uint8Array(0));
  const length = options.declaredLength ?? BigInt(payload.length);
  const mask = options.mask ?? true;
  const head: number[] = [
    ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode,
  ];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n)
    head.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  let body = payload;
  if (mask) {
    const key = options.maskKey ?? randomBytes(4);
    head.push(...key);
    if (key.some((byte) => byte !== 0)) {
      body = Buffer.alloc(payload.length);
      for (let i = 0; i < payload.length; i++)
        body[i] = (payload[i] as number) ^ (key[i % 4] as number);
    }
  }
  return Buffer.concat([Buffer.from(head), body]);
}

/** An open WebSocket connection, seen from the client. */
export class WebSocketConnection {
  /** The raw connection under it. */
  readonly raw: RawConnection;
  /** The payloads of the pongs received so far. */
  readonly pongs: Uint8Array[] = [];
  private partial: { opcode: number; pieces: Uint8Array[] } | null = null;

  /**
   * @param raw - the connection, just after the 101 response head.
   */
  constructor(raw: RawConnection) {
    this.raw = raw;
  }

  /** Sends one frame, exactly as described. */
  sendFrame(options: FrameOptions): Promise<void> {
    return this.raw.write(encodeFrame(options));
  }

  /** Sends a text message in one frame. */
  sendText(text: string): Promise<void> {
    return this.sendFrame({ opcode: Opcode.TEXT, payload: text });
  }

  /** Sends a binary message in one frame. */
  sendBinary(bytes: Uint8Array): Promise<void> {
    return this.sendFrame({ opcode: Opcode.BINARY, payload: bytes });
  }

  /** Sends a ping. */
  ping(payload: Uint8Array | string = ''): Promise<void> {
    return this.sendFrame({ opcode: Opcode.PING, payload });
  }

  /** Sends a close frame, with a code and reason when `code` is given. */
  close(code?: number, reason = ''): Promise<void> {
    if (code === undefined) return this.sendFrame({ opcode: Opcode.CLOSE });
    const text = Buffer.from(reason, 'utf8');
    const payload = Buffer.alloc(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    return this.sendFrame({ opcode: Opcode.CLOSE, payload });
  }

  /**
   * Reads one frame. Resolves with `null` when the connection ended first.
   *
   * @throws WireError on a timeout.
   */
  async readFrame(timeoutMs = 5000): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const first = await this.raw.readBytes(2, left());
    if (first === null) return null;
    const [b0, b1] = first as unknown as [number, number];
    let length = b1 & 0x7f;
    if (length === 126) {
      const ext = await this.raw.readBytes(2, left());
      if (ext === null) return null;
      length = Buffer.from(ext).readUInt16BE(0);
    } else if (length === 127) {
      const ext = await this.raw.readBytes(8, left());
      if (ext === null) return null;
      const big = Buffer.from(ext).readBigUInt64BE(0);
      if (big > BigInt(64 * 1024 * 1024))
        throw new WireError(`the server announced a frame of ${big} bytes`);
      length = Number(big);
    }
    const masked = (b1 & 0x80) !== 0;
    let key: Uint8Array | null = null;
    if (masked) {
      key = await this.raw.readBytes(4, left());
      if (key === null) return null;
    }
    const data = await this.raw.readBytes(length, left());
    if (data === null) return null;
    const payload = Buffer.from(data);
    if (key !== null)
      for (let i = 0; i < payload.length; i++)
        payload[i] = (payload[i] as number) ^ (key[i % 4] as number);
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 0x7, opcode: b0 & 0x0f, masked, payload };
  }

  /**
   * Reads the next whole message, reassembling fragments, answering pings and
   * noting pongs. Resolves with `{ kind: 'end' }` when the connection ended.
   *
   * @throws WireError on a timeout or a protocol error by the server.
   */
  async nextMessage(timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.readFrame(Math.max(1, deadline - Date.now()));
      if (frame === null) return { kind: 'end' };
      if (frame.masked) throw new WireError('the server sent a masked frame');
      switch (frame.opcode) {
        case Opcode.PING:
          await this.sendFrame({ opcode: Opcode.PONG, payload: frame.payload });
          continue;
        case Opcode.PONG:
          this.pongs.push(frame.payload);
          continue;
        case Opcode.CLOSE: {
          const payload = Buffer.from(frame.payload);
          return payload.length >= 2
            ? {
                kind: 'close',
                code: payload.readUInt16BE(0),
                reason: payload.subarray(2).toString('utf8'),
              }
            : { kind: 'close', code: null, reason: '' };
        }
        case Opcode.TEXT:
        case Opcode.BINARY:
          if (this.partial !== null)
            throw new WireError('the server started a message inside another');
          this.partial = { opcode: frame.opcode, pieces: [frame.payload] };
          break;
        case Opcode.CONTINUATION:
          if (this.partial === null)
            throw new WireError('the server sent a continuation outside a message');
          this.partial.pieces.push(frame.payload);
          break;
        default:
          throw new WireError(`the server sent a frame with the unknown opcode ${frame.opcode}`);
      }
      if (!frame.fin) continue;
      const { opcode, pieces } = this.partial;
      this.partial = null;
      const whole = Buffer.concat(pieces);
      return opcode === Opcode.TEXT
        ? { kind: 'text', text: whole.toString('utf8') }
        : { kind: 'binary', bytes: whole };
    }
  }

  /** Reads messages until a close frame or the end; returns the close, or `end`. */
  async untilClose(timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.nextMessage(Math.max(1, deadline - Date.now()));
      if (message.kind === 'close' || message.kind === 'end') return message;
    }
  }

  /** Drops the connection. */
  destroy(): void {
    this.raw.destroy();
  }
}
