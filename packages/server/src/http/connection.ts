/**
 * Facts about one connection, computed once and shared by every request on
 * it: the addresses (HTTP-SCOPE-13, HTTP-SCOPE-14), the scheme, the TLS
 * facts (EXT-TLS-1) and the extension objects the scopes advertise.
 *
 * Everything handed to the app from here is frozen, so that one object can
 * serve every request of a keep-alive connection without an app's mistake
 * (APP-2) leaking into the next request.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Address, Extensions, TlsInfo } from 'tsgi';

const kConnection = Symbol('tsgi.connection');

type Flag = Record<string, never>;

function flag(): Flag {
  return Object.freeze({}) as Flag;
}

/** Extensions on plaintext connections: one frozen object per HTTP version and trailer choice. */
const PLAIN = {
  http10: Object.freeze({ 'http.response.file': flag() }) as Extensions,
  http11: Object.freeze({
    'http.response.earlyHints': flag(),
    'http.response.file': flag(),
  }) as Extensions,
  http11Trailers: Object.freeze({
    'http.response.trailers': flag(),
    'http.response.earlyHints': flag(),
    'http.response.file': flag(),
  }) as Extensions,
};

/** An exchange on a connection, told when the connection closes. */
export interface ConnectionUser {
  /** The connection closed. */
  closed(): void;
}

/** The listening side of a connection, for `scope.server` on unix sockets. */
export interface ListenerInfo {
  /** The unix socket path the server listens on, or `null` for TCP. */
  readonly unixPath: string | null;
}

/** The facts of one connection. */
export class ConnectionInfo {
  /** The peer (HTTP-SCOPE-13); `null` on a unix socket. */
  readonly client: Address | null;
  /** The local end (HTTP-SCOPE-14). */
  readonly server: Address | null;
  /** `https` over TLS, `http` otherwise (HTTP-SCOPE-5). */
  readonly scheme: 'http' | 'https';
  /** The TLS facts, or `null` on a plaintext connection. */
  readonly tls: TlsInfo | null;
  /**
   * Set once the connection must serve no further request: after a framing
   * error (HTTP-CONN-2) or a rejection that closes it. Requests node has
   * already parsed behind that point never reach the app.
   */
  closing = false;
  /** The requests this connection has carried to the app or answered. */
  requests = 0;
  /** The exchanges on this connection whose app has not settled yet, oldest first. */
  readonly active: ConnectionUser[] = [];
  readonly #extensions: { http10: Extensions; http11: Extensions; http11Trailers: Extensions };

  /**
   * @param socket - the connection.
   * @param listener - the listening side.
   */
  constructor(socket: Socket, listener: ListenerInfo) {
    const remote = socket.remoteAddress;
    const local = socket.localAddress;
    this.client =
      remote === undefined ? null : Object.freeze({ host: remote, port: socket.remotePort ?? 0 });
    if (local !== undefined) {
      this.server = Object.freeze({ host: local, port: socket.localPort ?? null });
    } else {
      this.server =
        listener.unixPath === null ? null : Object.freeze({ host: listener.unixPath, port: null });
    }
    if ((socket as TLSSocket).encrypted === true) {
      this.scheme = 'https';
      this.tls = tlsInfo(socket as TLSSocket);
      const tls = this.tls;
      this.#extensions = {
        http10: Object.freeze({ ...PLAIN.http10, tls }),
        http11: Object.freeze({ ...PLAIN.http11, tls }),
        http11Trailers: Object.freeze({ ...PLAIN.http11Trailers, tls }),
      };
    } else {
      this.scheme = 'http';
      this.tls = null;
      this.#extensions = PLAIN;
    }
  }

  /** Adds an exchange whose app is running. */
  add(user: ConnectionUser): void {
    this.active.push(user);
  }

  /** Removes an exchange whose app has settled. */
  remove(user: ConnectionUser): void {
    const active = this.active;
    // Without pipelining the one exchange of the connection is the last.
    const last = active.length - 1;
    if (last >= 0 && active[last] === user) {
      active.pop();
      return;
    }
    const index = active.indexOf(user);
    if (index >= 0) active.splice(index, 1);
  }

  /**
   * The extensions of a request on this connection (HTTP-SCOPE-16): file
   * responses always, early hints from HTTP/1.1 on (EXT-HINTS-2), trailers
   * only for HTTP/1.1 requests with `TE: trailers` (EXT-TRAILERS-1), TLS
   * facts on TLS connections (EXT-TLS-1).
   */
  extensions(http11: boolean, trailers: boolean): Extensions {
    const sets = this.#extensions;
    if (!http11) return sets.http10;
    return trailers ? sets.http11Trailers : sets.http11;
  }
}

/** The facts of the connection `socket`, computed on its first request. */
export function connectionOf(socket: Socket, listener: ListenerInfo): ConnectionInfo {
  const carrier = socket as Socket & { [kConnection]?: ConnectionInfo };
  let info = carrier[kConnection];
  if (info === undefined) {
    info = new ConnectionInfo(socket, listener);
    carrier[kConnection] = info;
    // One listener per connection rather than per request. Node emits no
    // event on a pipelined response still queued behind another when the
    // socket dies, so each exchange learns it from here.
    socket.on('close', onSocketClose);
  }
  return info;
}

function onSocketClose(this: Socket & { [kConnection]?: ConnectionInfo }): void {
  const info = this[kConnection];
  if (info === undefined) return;
  const active = info.active.slice();
  for (let i = 0; i < active.length; i++) active[i]!.closed();
}

/** The facts of the connection `socket` if a request was seen on it, else `undefined`. */
export function knownConnection(socket: unknown): ConnectionInfo | undefined {
  return (socket as { [kConnection]?: ConnectionInfo } | null)?.[kConnection];
}

/** Reads the TLS facts of a connection (EXT-TLS-1). */
export function tlsInfo(socket: TLSSocket): TlsInfo {
  const servername = (socket as { servername?: unknown }).servername;
  const alpn = socket.alpnProtocol;
  const certificate = socket.getPeerX509Certificate();
  return Object.freeze({
    protocol: socket.getProtocol() ?? '',
    cipher: socket.getCipher()?.name ?? '',
    serverName: typeof servername === 'string' && servername !== '' ? servername : null,
    alpnProtocol: typeof alpn === 'string' && alpn !== '' ? alpn : null,
    clientCertificate: certificate === undefined ? null : certificate.toString(),
  });
}
