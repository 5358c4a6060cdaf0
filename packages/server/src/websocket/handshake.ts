/**
 * The server's own checks of an opening handshake (RFC 6455 section 4.2.1),
 * made before the application is called: a malformed handshake never reaches
 * it (section 4.3, HTTP-CONN-3).
 *
 * The checks are at least as strict as those of the `ws` engine that
 * completes an accepted handshake, so a handshake that passes here cannot be
 * refused there after the application has accepted it.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { HeaderList } from 'tsgi';

/** Why a handshake is refused, and the response that says so. */
export interface HandshakeProblem {
  /** The status to answer with: 400, 405 or 426. */
  readonly status: number;
  /** Extra response fields (`allow`, `sec-websocket-version`). */
  readonly headers: HeaderList;
  /** A short explanation, sent as the body. */
  readonly reason: string;
}

const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function listHas(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const item of value.split(',')) {
    if (item.trim().toLowerCase() === token) return true;
  }
  return false;
}

/**
 * Tells whether a request asks to be upgraded to WebSocket: its `upgrade`
 * field is `websocket`. Other upgrades (such as `h2c`) are not WebSocket
 * handshakes and are left to the HTTP side.
 */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return upgrade !== undefined && upgrade.trim().toLowerCase() === 'websocket';
}

function problem(status: number, reason: string, headers: HeaderList = []): HandshakeProblem {
  return { status, reason, headers };
}

/**
 * Checks a WebSocket handshake request.
 *
 * @returns `null` when it is well formed, else the response that refuses it.
 */
export function checkHandshake(req: IncomingMessage): HandshakeProblem | null {
  if (req.httpVersion !== '1.1') {
    return problem(400, 'WebSocket handshakes need HTTP/1.1');
  }
  if (req.method !== 'GET') {
    return problem(405, 'A WebSocket handshake uses GET', [['allow', 'GET']]);
  }
  if (!isWebSocketUpgrade(req)) return problem(400, 'Invalid Upgrade header');
  if (!listHas(req.headers.connection, 'upgrade')) return problem(400, 'Invalid Connection header');
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  }
  if (hosts !== 1) return problem(400, 'Exactly one Host header is required');
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) {
    return problem(400, 'Missing or invalid Sec-WebSocket-Key header');
  }
  if (req.headers['sec-websocket-version'] !== '13') {
    return problem(426, 'Unsupported Sec-WebSocket-Version', [['sec-websocket-version', '13']]);
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const seen = new Set<string>();
    for (const item of protocols.split(',')) {
      const protocol = item.trim();
      if (!TOKEN.test(protocol) || seen.has(protocol)) {
        return problem(400, 'Invalid Sec-WebSocket-Protocol header');
      }
      seen.add(protocol);
    }
  }
  return null;
}
