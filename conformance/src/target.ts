/**
 * Where the server under test listens, and how to open a connection to it.
 *
 * @module
 */

import net from 'node:net';
import tls from 'node:tls';
import { HarnessError } from './case.js';

/** The address of the server under test. */
export interface Target {
  /** `tcp` for a host and port, `unix` for a unix domain socket. */
  readonly kind: 'tcp' | 'unix';
  /** The host to connect to over TCP; `localhost` for a unix socket. */
  readonly host: string;
  /** The TCP port, or `null` for a unix socket. */
  readonly port: number | null;
  /** The unix socket path, or `null` for TCP. */
  readonly socketPath: string | null;
  /** Whether connections use TLS (an `https` URL). */
  readonly tls: boolean;
  /** The value requests carry in `host`. */
  readonly authority: string;
  /** The URL origin, such as `http://127.0.0.1:8080`. */
  readonly origin: string;
  /** The mount point the server serves the probe app under: `""` or a path without a trailing `/`. */
  readonly rootPath: string;
}

/** Describes a TCP target. */
export function tcpTarget(
  host: string,
  port: number,
  options: { tls?: boolean; rootPath?: string } = {},
): Target {
  const secure = options.tls ?? false;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const authority = `${bracketed}:${port}`;
  return {
    kind: 'tcp',
    host,
    port,
    socketPath: null,
    tls: secure,
    authority,
    origin: `${secure ? 'https' : 'http'}://${authority}`,
    rootPath: options.rootPath ?? '',
  };
}

/** Describes a unix socket target. */
export function unixTarget(socketPath: string, options: { rootPath?: string } = {}): Target {
  return {
    kind: 'unix',
    host: 'localhost',
    port: null,
    socketPath,
    tls: false,
    authority: 'localhost',
    origin: 'http://localhost',
    rootPath: options.rootPath ?? '',
  };
}

/**
 * Reads a target from a URL such as `http://127.0.0.1:8080` or
 * `https://localhost:8443/mount` (a path names the mount point).
 *
 * @throws HarnessError when the URL is not an http or https URL.
 */
export function targetFromUrl(url: string, rootPath?: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HarnessError(`--url ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HarnessError(`--url must be an http or https URL, not ${JSON.stringify(url)}`);
  }
  const secure = parsed.protocol === 'https:';
  const port = parsed.port ? Number(parsed.port) : secure ? 443 : 80;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const mount = rootPath ?? (parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, ''));
  return tcpTarget(host, port, { tls: secure, rootPath: mount });
}

/**
 * Opens a connection to the target: a plain socket, or a TLS socket that
 * accepts any certificate (the suite tests the server, not its certificate).
 */
export function connect(target: Target, timeoutMs = 5000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const onError = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    };
    if (target.tls) {
      socket = tls.connect({
        host: target.host,
        port: target.port ?? 443,
        rejectUnauthorized: false,
        servername: net.isIP(target.host) ? undefined : target.host,
        ALPNProtocols: ['http/1.1'],
      });
      socket.once('secureConnect', onConnect);
    } else {
      socket =
        target.socketPath !== null
          ? net.connect(target.socketPath)
          : net.connect(target.port ?? 80, target.host);
      socket.once('connect', onConnect);
    }
    socket.once('error', onError);
    const timer = setTimeout(
      () =>
        onError(new Error(`could not connect to ${describeTarget(target)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
}

/** Names the target for messages: `127.0.0.1:8080` or `unix:/tmp/x.sock`. */
export function describeTarget(target: Target): string {
  return target.socketPath !== null ? `unix:${target.socketPath}` : target.authority;
}
