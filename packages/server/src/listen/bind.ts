/**
 * Creates the listening sockets: TCP (IPv4 and IPv6), unix sockets with a
 * file mode, and inherited descriptors, several at once, with the backlog
 * from the options. Failures become a {@link BindError} with one line that
 * says what to change.
 *
 * @module
 */
import cluster from 'node:cluster';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, isIP, type Server } from 'node:net';
import { TsgiError } from 'tsgi';
import type { BoundAddress } from '../handle.js';
import { ServerErrorCode } from '../options.js';
import { formatTarget, type ListenTarget } from './targets.js';

/** A listening socket could not be created. */
export class BindError extends TsgiError {
  /** The target, as `--bind` would take it. */
  readonly target: string;

  /**
   * @param message - one line: what failed and what to change.
   * @param target - the target, formatted.
   * @param cause - the system error.
   */
  constructor(message: string, target: string, cause?: unknown) {
    super(ServerErrorCode.BIND, message, cause === undefined ? undefined : { cause });
    this.target = target;
  }
}

function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Describes where a listening server is, from its address and the target it was asked for. */
export function boundAddress(server: Server, target: ListenTarget, secure: boolean): BoundAddress {
  const scheme = secure ? 'https' : 'http';
  const address = server.address();
  if (typeof address === 'string' || address === null) {
    const path = address ?? (target.kind === 'unix' ? target.path : '');
    return { kind: target.kind, host: path, port: null, secure, url: `unix:${path}` };
  }
  return {
    kind: target.kind,
    host: address.address,
    port: address.port,
    secure,
    url: `${scheme}://${hostForUrl(address.address)}:${address.port}`,
  };
}

/** Whether something accepts connections on the unix socket at `path`. */
export function isSocketLive(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (live: boolean) => {
      socket.destroy();
      resolve(live);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Makes a unix socket path ready to listen on: removes a stale socket file
 * left by a server that died, and refuses when a live server still uses it or
 * when the path is not a socket.
 *
 * @throws {@link BindError} when the path is in use or is another kind of file.
 */
export async function prepareUnixSocket(path: string, flag = '--uds'): Promise<void> {
  if (!existsSync(path)) return;
  const target = `unix:${path}`;
  if (!lstatSync(path).isSocket()) {
    throw new BindError(
      `${path} exists and is not a socket; remove it or pick another path with ${flag}`,
      target,
    );
  }
  if (await isSocketLive(path)) {
    throw new BindError(
      `unix socket ${path} is in use by a running server; stop it or pick another path with ${flag}`,
      target,
    );
  }
  try {
    unlinkSync(path);
  } catch (error) {
    throw new BindError(
      `cannot remove the stale socket ${path}: ${(error as Error).message}`,
      target,
      error,
    );
  }
}

/** Turns a listen error into a one-line {@link BindError}. */
export function describeBindError(error: unknown, target: ListenTarget): BindError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = formatTarget(target);
  const flag =
    target.flag ?? (target.kind === 'tcp' ? '--port' : target.kind === 'unix' ? '--uds' : '--fd');
  let message: string;
  if (target.kind === 'tcp') {
    const hostFlag = flag === '--bind' ? '--bind' : '--host';
    switch (code) {
      case 'EADDRINUSE':
        message = `port ${target.port} on ${target.host} is in use; pick another with ${flag}`;
        break;
      case 'EACCES':
        message =
          target.port < 1024
            ? `permission denied to listen on port ${target.port} on ${target.host}: ports below 1024 need privileges; pick another with ${flag}`
            : `permission denied to listen on ${where}; pick another address with ${flag}`;
        break;
      case 'EADDRNOTAVAIL':
        message = `cannot listen on ${where}: no network interface of this machine has address ${target.host}; check ${hostFlag}`;
        break;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_NONAME':
        message = `cannot listen on ${where}: host "${target.host}" does not resolve; check ${hostFlag}`;
        break;
      default:
        message = `cannot listen on ${where}: ${describeSystemError(error)}`;
    }
  } else if (target.kind === 'unix') {
    switch (code) {
      case 'EADDRINUSE':
        message = `unix socket ${target.path} is in use; stop the other server or pick another path with ${flag}`;
        break;
      case 'EACCES':
        message = `permission denied to create unix socket ${target.path}; pick a writable path with ${flag}`;
        break;
      case 'ENOENT':
        message = `cannot create unix socket ${target.path}: its directory does not exist`;
        break;
      default:
        message = `cannot listen on ${where}: ${describeSystemError(error)}`;
    }
  } else {
    message =
      code === 'EBADF' || code === 'ENOTSOCK' || code === 'EINVAL' || code === 'ENOTSUP'
        ? `cannot listen on ${where}: file descriptor ${target.fd} is not an open socket; check ${flag}`
        : `cannot listen on ${where}: ${describeSystemError(error)}`;
  }
  return new BindError(message, where, error);
}

function describeSystemError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}

/** How {@link listenOn} listens. */
export interface ListenSettings {
  /** The accept queue length. */
  backlog: number;
  /** The file mode for unix sockets. */
  udsMode: number;
  /** Whether the server speaks TLS (for the address's URL). */
  secure: boolean;
}

/**
 * Starts `server` listening on one target and resolves with the bound address.
 * Unix sockets: a stale socket file is removed first (by the primary process
 * when running workers) and the socket gets `udsMode`.
 *
 * @throws {@link BindError} with a one-line message.
 */
export async function listenOn(
  server: Server,
  target: ListenTarget,
  settings: ListenSettings,
): Promise<BoundAddress> {
  // Workers share sockets created by the primary, which prepared the path; a
  // worker checking it would find its siblings' socket live.
  if (target.kind === 'unix' && !cluster.isWorker)
    await prepareUnixSocket(target.path, target.flag);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(describeBindError(error, target));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    try {
      if (target.kind === 'tcp') {
        server.listen({ host: target.host, port: target.port, backlog: settings.backlog });
      } else if (target.kind === 'unix') {
        server.listen({ path: target.path, backlog: settings.backlog });
      } else {
        server.listen({ fd: target.fd, backlog: settings.backlog });
      }
    } catch (error) {
      onError(error as Error);
    }
  });
  if (target.kind === 'unix') {
    try {
      chmodSync(target.path, settings.udsMode);
    } catch (error) {
      server.close();
      throw new BindError(
        `cannot set mode ${settings.udsMode.toString(8)} on unix socket ${target.path}: ${(error as Error).message}`,
        formatTarget(target),
        error,
      );
    }
  }
  return boundAddress(server, target, settings.secure);
}

/** A server listening on one target. */
export interface BoundServer<S extends Server> {
  /** The server. */
  server: S;
  /** Where it listens. */
  address: BoundAddress;
}

/**
 * Creates one server per target with `create` and starts each listening. When
 * one target fails, the servers already listening are closed before the error
 * is thrown, so a failed start leaves nothing bound.
 *
 * @throws {@link BindError} with a one-line message.
 */
export async function bindAll<S extends Server>(
  targets: readonly ListenTarget[],
  settings: ListenSettings,
  create: (target: ListenTarget) => S,
): Promise<BoundServer<S>[]> {
  const bound: BoundServer<S>[] = [];
  try {
    for (const target of targets) {
      const server = create(target);
      bound.push({ server, address: await listenOn(server, target, settings) });
    }
  } catch (error) {
    await Promise.all(bound.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    throw error;
  }
  return bound;
}

/**
 * Prepares every unix socket target before workers start (the primary does
 * this once, since workers share its sockets).
 *
 * @throws {@link BindError} when a socket path is in use.
 */
export async function prepareTargets(targets: readonly ListenTarget[]): Promise<void> {
  for (const target of targets) {
    if (target.kind === 'unix') await prepareUnixSocket(target.path, target.flag);
  }
}
