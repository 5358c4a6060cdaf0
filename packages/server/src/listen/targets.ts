/**
 * Listen targets: where the server accepts connections, as parsed from
 * `--bind` values or derived from `--host`, `--port`, `--uds` and `--fd`.
 *
 * @module
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** A TCP address to listen on. */
export interface TcpTarget {
  /** Discriminant. */
  readonly kind: 'tcp';
  /** A host name or IP address, IPv6 without brackets. */
  readonly host: string;
  /** The port; 0 asks the system for a free one. */
  readonly port: number;
  /** The flag that asked for it, for error messages. */
  readonly flag?: string;
}

/** A unix domain socket to listen on. */
export interface UnixTarget {
  /** Discriminant. */
  readonly kind: 'unix';
  /** The absolute path of the socket file. */
  readonly path: string;
  /** The flag that asked for it, for error messages. */
  readonly flag?: string;
}

/** An already open listening socket inherited as a file descriptor (systemd, a supervisor). */
export interface FdTarget {
  /** Discriminant. */
  readonly kind: 'fd';
  /** The file descriptor number. */
  readonly fd: number;
  /** The flag that asked for it, for error messages. */
  readonly flag?: string;
}

/** One place the server accepts connections on. */
export type ListenTarget = TcpTarget | UnixTarget | FdTarget;

/** The forms a `--bind` value may take, for error messages. */
export const BIND_FORMS = 'HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N';

/** The options {@link listenTargets} reads. */
export interface TargetOptions {
  /** The `--bind` values. */
  readonly bind: readonly string[];
  /** The TCP host used when nothing else is bound. */
  readonly host: string;
  /** The TCP port used with `host`, and the default port of `--bind HOST`. */
  readonly port: number;
  /** A unix socket path. */
  readonly uds: string | null;
  /** An inherited file descriptor. */
  readonly fd: number | null;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/**
 * Parses one `--bind` value. Returns the target, or a string saying what was
 * expected when the value is not valid.
 *
 * Accepted: `HOST:PORT`, `HOST` (with `defaultPort`), `:PORT` (every
 * interface), `[IPV6]:PORT`, `[IPV6]`, `unix:PATH` and `fd://N`; a leading
 * `tcp://` is allowed.
 */
export function parseBindSpec(
  spec: string,
  defaultPort: number,
  cwd = process.cwd(),
): ListenTarget | string {
  const text = spec.trim();
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    return path === ''
      ? 'unix:PATH with a socket path'
      : { kind: 'unix', path: resolve(cwd, path) };
  }
  if (text.startsWith('fd://')) {
    const digits = text.slice('fd://'.length);
    return /^\d+$/.test(digits) && Number.isSafeInteger(Number(digits))
      ? { kind: 'fd', fd: Number(digits) }
      : 'fd://N with a file descriptor number';
  }
  const address = text.startsWith('tcp://') ? text.slice('tcp://'.length) : text;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    const host = close > 0 ? address.slice(1, close) : '';
    if (isIP(host) !== 6) return `${BIND_FORMS} (an IPv6 address inside the brackets)`;
    const rest = address.slice(close + 1);
    if (rest === '') return { kind: 'tcp', host, port: defaultPort };
    const port = rest.startsWith(':') ? parsePort(rest.slice(1)) : undefined;
    return port === undefined
      ? `${BIND_FORMS} with a port from 0 to 65535`
      : { kind: 'tcp', host, port };
  }
  const colons = address.split(':').length - 1;
  if (colons === 0) {
    return address === '' ? BIND_FORMS : { kind: 'tcp', host: address, port: defaultPort };
  }
  if (colons > 1) return `${BIND_FORMS} (write IPv6 addresses in brackets: [::1]:8000)`;
  const [host, portText] = address.split(':') as [string, string];
  const port = parsePort(portText);
  if (port === undefined) return `${BIND_FORMS} with a port from 0 to 65535`;
  return { kind: 'tcp', host: host === '' ? '0.0.0.0' : host, port };
}

/**
 * The targets the options ask for: every `--bind` value, the `--uds` socket
 * and the `--fd` descriptor; `--host`/`--port` only when none of those is given.
 * Duplicates are dropped. Values are assumed valid (options resolution checks them).
 */
export function listenTargets(options: TargetOptions, cwd = process.cwd()): ListenTarget[] {
  const targets: ListenTarget[] = [];
  for (const spec of options.bind) {
    const target = parseBindSpec(spec, options.port, cwd);
    if (typeof target !== 'string') targets.push({ ...target, flag: '--bind' });
  }
  if (options.uds !== null) {
    targets.push({ kind: 'unix', path: resolve(cwd, options.uds), flag: '--uds' });
  }
  if (options.fd !== null) targets.push({ kind: 'fd', fd: options.fd, flag: '--fd' });
  if (targets.length === 0) {
    targets.push({ kind: 'tcp', host: options.host, port: options.port, flag: '--port' });
  }
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = formatTarget(target);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Shows a target the way `--bind` takes it: `127.0.0.1:8000`, `[::1]:8000`, `unix:/run/app.sock`, `fd://3`. */
export function formatTarget(target: ListenTarget): string {
  switch (target.kind) {
    case 'tcp':
      return `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
    case 'unix':
      return `unix:${target.path}`;
    case 'fd':
      return `fd://${target.fd}`;
  }
}
