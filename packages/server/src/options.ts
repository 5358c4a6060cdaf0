/**
 * The one definition of the server's settings. Every setting is a row of
 * {@link OPTIONS}: its CLI flag, its environment variables, its kind of
 * value, its default and its help line. Option resolution, `tsgi serve --help`
 * and the settings table of the docs are all generated from that table.
 *
 * Precedence, highest first: CLI flags, then environment variables, then the
 * programmatic options object, then the defaults. Operators can therefore
 * override what the code says without changing it, and the command line
 * beats the environment, as in gunicorn.
 *
 * @module
 */
import { TsgiError } from 'tsgi';
import {
  booleanKind,
  enumKind,
  integerKind,
  listKind,
  modeKind,
  optionalIntegerKind,
  optionalStringKind,
  secondsKind,
  sizeKind,
  stringKind,
  type ValueKind,
} from './config/kinds.js';
import { BIND_FORMS, parseBindSpec } from './listen/targets.js';

/** The stable codes of the server's own errors. */
export const ServerErrorCode = {
  /** A setting is unknown, malformed or conflicts with another. */
  OPTIONS: 'ERR_TSGI_SERVER_OPTIONS',
  /** The application module or its export could not be loaded. */
  LOAD: 'ERR_TSGI_SERVER_LOAD',
  /** A listening socket could not be created. */
  BIND: 'ERR_TSGI_SERVER_BIND',
  /** A worker process failed to start. */
  WORKER: 'ERR_TSGI_SERVER_WORKER',
} as const;

/**
 * A setting is wrong. The message is one line that names the setting the way
 * the user gave it (flag, environment variable or `options.name`), what was
 * expected and what was received.
 */
export class OptionsError extends TsgiError {
  /** The option concerned, by its programmatic name, when there is one. */
  readonly option: OptionName | null;

  /**
   * @param message - one line: what is wrong and how to fix it.
   * @param option - the option concerned, if any.
   */
  constructor(message: string, option: OptionName | null = null) {
    super(ServerErrorCode.OPTIONS, message);
    this.option = option;
  }
}

/** The levels of the error log, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';
/** The formats of the access log. */
export type AccessLogFormat = 'common' | 'combined' | 'json';
/** How lifespan is run: `auto` detects support (LS-4), `on` requires it, `off` skips it. */
export type LifespanMode = 'auto' | 'on' | 'off';
/** Whether TLS clients are asked for a certificate. */
export type ClientCertMode = 'none' | 'optional' | 'required';

/** Every setting of the server, resolved: no field is missing. */
export interface ServerOptions {
  /** The application as `path/to/module.js:exportName`; `""` when the app is given as a function. */
  app: string;
  /** The TCP host to listen on when neither `bind`, `uds` nor `fd` is given. */
  host: string;
  /** The TCP port to listen on with `host`; 0 picks a free port. */
  port: number;
  /** A unix domain socket path to listen on. */
  uds: string | null;
  /** The file mode given to unix sockets the server creates. */
  udsMode: number;
  /** An inherited listening socket, by file descriptor. */
  fd: number | null;
  /** Addresses to listen on, several allowed: `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH`, `fd://N`. */
  bind: string[];
  /** The length of the queue of connections not yet accepted. */
  backlog: number;
  /** The TLS certificate chain (PEM file); with `keyfile` it turns on HTTPS. */
  certfile: string | null;
  /** The TLS private key (PEM file). */
  keyfile: string | null;
  /** The passphrase of an encrypted `keyfile`. */
  keyPassword: string | null;
  /** CA certificates (PEM file) to verify client certificates against. */
  caCerts: string | null;
  /** Whether to ask TLS clients for a certificate. */
  clientCert: ClientCertMode;
  /** The number of worker processes. */
  workers: number;
  /** Seconds a worker may go without a heartbeat before it is killed and replaced; 0 disables. */
  timeout: number;
  /** Seconds given to in-flight requests (and lifespan shutdown) when stopping or reloading. */
  gracefulTimeout: number;
  /** Seconds an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
  /** Seconds a client has to send the request line and headers. */
  headersTimeout: number;
  /** Seconds a client has to send the whole request, body included; 0 disables. */
  requestTimeout: number;
  /** Requests a worker serves before it is replaced; 0 disables. */
  maxRequests: number;
  /** A random 0..N added to `maxRequests` per worker, so workers do not restart together. */
  maxRequestsJitter: number;
  /** Concurrent requests and WebSockets per worker before answering 503; 0 is unlimited. */
  limitConcurrency: number;
  /** Requests served on one keep-alive connection before it is closed; 0 is unlimited. */
  maxRequestsPerConnection: number;
  /** The longest accepted request line, in bytes (414 beyond it). */
  maxRequestLineSize: number;
  /** The most request headers accepted (431 beyond it). */
  maxHeaderCount: number;
  /** The largest accepted request line and headers together, in bytes (431 beyond it). */
  maxHeaderSize: number;
  /** The largest accepted request body, in bytes (413 beyond it); 0 is unlimited. */
  maxBodySize: number;
  /** The largest accepted WebSocket message, in bytes; 0 is unlimited. */
  wsMaxMessageSize: number;
  /** Seconds between WebSocket pings; 0 disables pings. */
  wsPingInterval: number;
  /** Seconds to wait for a pong before closing the WebSocket. */
  wsPingTimeout: number;
  /** Whether to take the client address and scheme from `X-Forwarded-*`/`Forwarded` (SEC-6). */
  proxyHeaders: boolean;
  /**
   * Peers trusted to set proxy headers: IP addresses, CIDR ranges, `unix` (any
   * peer on a unix socket), or `*`.
   */
  forwardedAllowIps: string[];
  /**
   * Which proxy headers are read: `x-forwarded` (`X-Forwarded-For`, `-Proto`,
   * `-Host`, `-Port`), `forwarded` (RFC 7239) or `both`. Choose one the trusted
   * proxies always set or clear, or a client can supply the other.
   */
  forwardedHeaders: 'x-forwarded' | 'forwarded' | 'both';
  /** The mount point of the app, given to it as `scope.rootPath`; `""` at the root. */
  rootPath: string;
  /** Whether to write the access log. */
  accessLog: boolean;
  /** Where the access log goes: `-` for standard output, or a file path to append to. */
  accessLogFile: string;
  /** The access log line format. */
  accessLogFormat: AccessLogFormat;
  /** The lowest level of the error log that is written. */
  logLevel: LogLevel;
  /** Where the error log goes: `-` for standard error, or a file path to append to. */
  logFile: string;
  /** How the lifespan protocol is run. */
  lifespan: LifespanMode;
  /** A file to write the server's process ID to. */
  pidfile: string | null;
  /** Whether to add a `server` response header when the app sets none. */
  serverHeader: boolean;
  /** Whether to add a `date` response header when the app sets none (HTTP-RESP-14). */
  dateHeader: boolean;
}

/** The name of one setting. */
export type OptionName = keyof ServerOptions;

/** Settings given programmatically: any subset, checked like CLI values. */
export type ServerOptionsInput = Partial<ServerOptions>;

/** The sections of `tsgi serve --help` and of the settings table. */
export type OptionGroup =
  | 'Application'
  | 'Binding'
  | 'TLS'
  | 'Processes'
  | 'Timeouts'
  | 'Limits'
  | 'WebSocket'
  | 'Proxy'
  | 'Logging'
  | 'Responses';

/** One row of the settings table. */
export interface OptionSpec<T> {
  /** The long CLI flag, `--kebab-case`. */
  readonly flag: string;
  /** A one-letter alias, such as `-w`. */
  readonly short?: string;
  /** Whether the CLI takes it as the positional argument instead of a flag. */
  readonly positional?: boolean;
  /** Environment variables, highest priority first. */
  readonly env: readonly string[];
  /** How values are read and checked. */
  readonly kind: ValueKind<T>;
  /** The value when nothing sets it. */
  readonly default: T;
  /** One line for help and docs. */
  readonly help: string;
  /** The section it belongs to. */
  readonly group: OptionGroup;
  /** An extra check after the kind's: returns what was expected when the value is wrong. */
  readonly check?: (value: T) => string | undefined;
  /** Rewrites a valid value into its canonical form. */
  readonly normalize?: (value: T) => T;
}

/** The settings table: one row per field of {@link ServerOptions}. */
export type OptionTable = { readonly [K in OptionName]: OptionSpec<ServerOptions[K]> };

function checkBind(values: string[]): string | undefined {
  for (const value of values) {
    const result = parseBindSpec(value, 8000);
    if (typeof result === 'string') return `${result}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

function checkProxyPeers(values: string[]): string | undefined {
  for (const value of values) {
    if (value === '*' || value === 'unix') continue;
    const [address, bits, extra] = value.split('/');
    const family = address === undefined ? 0 : isIpAddress(address);
    const max = family === 6 ? 128 : 32;
    const bitsOk =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max && extra === undefined);
    if (family === 0 || !bitsOk) {
      return `IP addresses, CIDR ranges (10.0.0.0/8), unix or *, got ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

function isIpAddress(text: string): 0 | 4 | 6 {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255) ? 4 : 0;
  return /^[0-9a-f:.]+$/i.test(text) && text.includes(':') && !text.includes(':::') ? 6 : 0;
}

/** The settings table. Keys are the programmatic names, in help order. */
export const OPTIONS: OptionTable = {
  app: {
    flag: 'APP',
    positional: true,
    env: ['TSGI_APP'],
    kind: stringKind('MODULE[:EXPORT]'),
    default: '',
    help: 'The application: path/to/module.js:exportName, or the default export without :exportName.',
    group: 'Application',
  },
  rootPath: {
    flag: '--root-path',
    env: ['TSGI_ROOT_PATH'],
    kind: stringKind('PATH'),
    default: '',
    help: 'The mount point the app is served under, given to it as scope.rootPath.',
    group: 'Application',
    check: (value) =>
      value === '' || value.startsWith('/') ? undefined : `"" or a path starting with "/"`,
    normalize: (value) => value.replace(/\/+$/, ''),
  },
  lifespan: {
    flag: '--lifespan',
    env: ['TSGI_LIFESPAN'],
    kind: enumKind(['auto', 'on', 'off'] as const),
    default: 'auto',
    help: 'Lifespan protocol: auto (run it if the app supports it), on (required), off.',
    group: 'Application',
  },
  host: {
    flag: '--host',
    env: ['TSGI_HOST'],
    kind: stringKind('HOST', false),
    default: '127.0.0.1',
    help: 'The TCP host to listen on (0.0.0.0 when only PORT is set, as platforms expect).',
    group: 'Binding',
  },
  port: {
    flag: '--port',
    env: ['TSGI_PORT', 'PORT'],
    kind: integerKind(0, 65535, 'PORT'),
    default: 8000,
    help: 'The TCP port to listen on; 0 picks a free one.',
    group: 'Binding',
  },
  bind: {
    flag: '--bind',
    short: '-b',
    env: ['TSGI_BIND'],
    kind: listKind('ADDRESS'),
    default: [],
    help: `Listen on ${BIND_FORMS}; repeat for several. Replaces --host/--port.`,
    group: 'Binding',
    check: checkBind,
  },
  uds: {
    flag: '--uds',
    env: ['TSGI_UDS'],
    kind: optionalStringKind('PATH'),
    default: null,
    help: 'Listen on this unix domain socket (a stale socket file is replaced).',
    group: 'Binding',
  },
  udsMode: {
    flag: '--uds-mode',
    env: ['TSGI_UDS_MODE'],
    kind: modeKind,
    default: 0o666,
    help: 'The file mode of unix sockets the server creates, in octal.',
    group: 'Binding',
  },
  fd: {
    flag: '--fd',
    env: ['TSGI_FD'],
    kind: optionalIntegerKind(0, 'FD'),
    default: null,
    help: 'Listen on an inherited socket, by file descriptor (systemd socket activation).',
    group: 'Binding',
  },
  backlog: {
    flag: '--backlog',
    env: ['TSGI_BACKLOG'],
    kind: integerKind(1),
    default: 2048,
    help: 'The most connections waiting to be accepted.',
    group: 'Binding',
  },
  certfile: {
    flag: '--certfile',
    env: ['TSGI_CERTFILE'],
    kind: optionalStringKind('FILE'),
    default: null,
    help: 'TLS certificate chain (PEM). With --keyfile, serves HTTPS.',
    group: 'TLS',
  },
  keyfile: {
    flag: '--keyfile',
    env: ['TSGI_KEYFILE'],
    kind: optionalStringKind('FILE'),
    default: null,
    help: 'TLS private key (PEM).',
    group: 'TLS',
  },
  keyPassword: {
    flag: '--key-password',
    env: ['TSGI_KEY_PASSWORD'],
    kind: optionalStringKind('PASSWORD'),
    default: null,
    help: 'Passphrase of an encrypted --keyfile (prefer the environment variable).',
    group: 'TLS',
  },
  caCerts: {
    flag: '--ca-certs',
    env: ['TSGI_CA_CERTS'],
    kind: optionalStringKind('FILE'),
    default: null,
    help: 'CA certificates (PEM) that client certificates are checked against.',
    group: 'TLS',
  },
  clientCert: {
    flag: '--client-cert',
    env: ['TSGI_CLIENT_CERT'],
    kind: enumKind(['none', 'optional', 'required'] as const),
    default: 'none',
    help: 'Ask TLS clients for a certificate: none, optional, or required.',
    group: 'TLS',
  },
  workers: {
    flag: '--workers',
    short: '-w',
    env: ['TSGI_WORKERS', 'WEB_CONCURRENCY'],
    kind: integerKind(1),
    default: 1,
    help: 'Worker processes. Setting it (or --timeout, --max-requests) starts a supervisor.',
    group: 'Processes',
  },
  maxRequests: {
    flag: '--max-requests',
    env: ['TSGI_MAX_REQUESTS'],
    kind: integerKind(0),
    default: 0,
    help: 'Replace a worker after it served this many requests; 0 never.',
    group: 'Processes',
  },
  maxRequestsJitter: {
    flag: '--max-requests-jitter',
    env: ['TSGI_MAX_REQUESTS_JITTER'],
    kind: integerKind(0),
    default: 0,
    help: 'Add a random 0..N to --max-requests per worker so they do not restart together.',
    group: 'Processes',
  },
  pidfile: {
    flag: '--pidfile',
    env: ['TSGI_PIDFILE'],
    kind: optionalStringKind('FILE'),
    default: null,
    help: 'Write the server process ID to this file (removed on exit).',
    group: 'Processes',
  },
  timeout: {
    flag: '--timeout',
    short: '-t',
    env: ['TSGI_TIMEOUT'],
    kind: secondsKind,
    default: 30,
    help: 'Kill and replace a worker whose event loop is blocked this long; 0 never.',
    group: 'Timeouts',
  },
  gracefulTimeout: {
    flag: '--graceful-timeout',
    env: ['TSGI_GRACEFUL_TIMEOUT'],
    kind: secondsKind,
    default: 30,
    help: 'On stop or reload, time given to in-flight requests and lifespan shutdown.',
    group: 'Timeouts',
  },
  keepAliveTimeout: {
    flag: '--keep-alive-timeout',
    env: ['TSGI_KEEP_ALIVE_TIMEOUT'],
    kind: secondsKind,
    default: 5,
    help: 'Close a keep-alive connection idle this long.',
    group: 'Timeouts',
  },
  headersTimeout: {
    flag: '--headers-timeout',
    env: ['TSGI_HEADERS_TIMEOUT'],
    kind: secondsKind,
    default: 10,
    help: 'Time a client has to send the request line and headers (408 after it).',
    group: 'Timeouts',
    check: (value) => (value > 0 ? undefined : 'a number of seconds > 0'),
  },
  requestTimeout: {
    flag: '--request-timeout',
    env: ['TSGI_REQUEST_TIMEOUT'],
    kind: secondsKind,
    default: 300,
    help: 'Time a client has to send the whole request, body included; 0 never.',
    group: 'Timeouts',
  },
  limitConcurrency: {
    flag: '--limit-concurrency',
    env: ['TSGI_LIMIT_CONCURRENCY'],
    kind: integerKind(0),
    default: 0,
    help: 'Answer 503 with Retry-After beyond this many requests and WebSockets per worker; 0 unlimited.',
    group: 'Limits',
  },
  maxRequestsPerConnection: {
    flag: '--max-requests-per-connection',
    env: ['TSGI_MAX_REQUESTS_PER_CONNECTION'],
    kind: integerKind(0),
    default: 1000,
    help: 'Close a keep-alive connection after this many requests; 0 unlimited.',
    group: 'Limits',
  },
  maxRequestLineSize: {
    flag: '--max-request-line-size',
    env: ['TSGI_MAX_REQUEST_LINE_SIZE'],
    kind: sizeKind,
    default: 8190,
    help: 'Longest request line in bytes (414 beyond it).',
    group: 'Limits',
    check: (value) => (value > 0 ? undefined : 'a size in bytes > 0'),
  },
  maxHeaderCount: {
    flag: '--max-header-count',
    env: ['TSGI_MAX_HEADER_COUNT'],
    kind: integerKind(1),
    default: 100,
    help: 'Most request headers (431 beyond it).',
    group: 'Limits',
  },
  maxHeaderSize: {
    flag: '--max-header-size',
    env: ['TSGI_MAX_HEADER_SIZE'],
    kind: sizeKind,
    default: 16384,
    help: 'Largest request line and headers together, in bytes (431 beyond it).',
    group: 'Limits',
    check: (value) => (value > 0 ? undefined : 'a size in bytes > 0'),
  },
  maxBodySize: {
    flag: '--max-body-size',
    env: ['TSGI_MAX_BODY_SIZE'],
    kind: sizeKind,
    default: 100 * 1024 * 1024,
    help: 'Largest request body in bytes (413 beyond it); 0 unlimited.',
    group: 'Limits',
  },
  wsMaxMessageSize: {
    flag: '--ws-max-message-size',
    env: ['TSGI_WS_MAX_MESSAGE_SIZE'],
    kind: sizeKind,
    default: 16 * 1024 * 1024,
    help: 'Largest WebSocket message in bytes (closes with 1009 beyond it); 0 unlimited.',
    group: 'WebSocket',
  },
  wsPingInterval: {
    flag: '--ws-ping-interval',
    env: ['TSGI_WS_PING_INTERVAL'],
    kind: secondsKind,
    default: 20,
    help: 'Ping WebSocket clients this often; 0 never.',
    group: 'WebSocket',
  },
  wsPingTimeout: {
    flag: '--ws-ping-timeout',
    env: ['TSGI_WS_PING_TIMEOUT'],
    kind: secondsKind,
    default: 20,
    help: 'Close a WebSocket whose pong has not come back after this long.',
    group: 'WebSocket',
  },
  proxyHeaders: {
    flag: '--proxy-headers',
    env: ['TSGI_PROXY_HEADERS'],
    kind: booleanKind,
    default: false,
    help: 'Take client address, scheme and host from proxy headers sent by trusted peers.',
    group: 'Proxy',
  },
  forwardedAllowIps: {
    flag: '--forwarded-allow-ips',
    env: ['TSGI_FORWARDED_ALLOW_IPS', 'FORWARDED_ALLOW_IPS'],
    kind: listKind('IPS'),
    default: ['127.0.0.1', '::1'],
    help: 'Peers trusted for proxy headers: IPs, CIDR ranges, unix, or * (comma-separated).',
    group: 'Proxy',
    check: checkProxyPeers,
  },
  forwardedHeaders: {
    flag: '--forwarded-headers',
    env: ['TSGI_FORWARDED_HEADERS'],
    kind: enumKind(['x-forwarded', 'forwarded', 'both'] as const),
    default: 'x-forwarded',
    help: 'Proxy headers read: x-forwarded (X-Forwarded-*), forwarded (RFC 7239) or both.',
    group: 'Proxy',
  },
  logLevel: {
    flag: '--log-level',
    env: ['TSGI_LOG_LEVEL'],
    kind: enumKind(['debug', 'info', 'warning', 'error', 'critical'] as const, {
      warn: 'warning',
      trace: 'debug',
      fatal: 'critical',
    }),
    default: 'info',
    help: 'Lowest level of the error log that is written.',
    group: 'Logging',
  },
  logFile: {
    flag: '--log-file',
    env: ['TSGI_LOG_FILE'],
    kind: stringKind('FILE', false),
    default: '-',
    help: 'Where the error log goes: - for standard error, or a file to append to.',
    group: 'Logging',
  },
  accessLog: {
    flag: '--access-log',
    env: ['TSGI_ACCESS_LOG'],
    kind: booleanKind,
    default: true,
    help: 'Write one access log line per request and WebSocket.',
    group: 'Logging',
  },
  accessLogFile: {
    flag: '--access-log-file',
    env: ['TSGI_ACCESS_LOG_FILE'],
    kind: stringKind('FILE', false),
    default: '-',
    help: 'Where the access log goes: - for standard output, or a file to append to.',
    group: 'Logging',
  },
  accessLogFormat: {
    flag: '--access-log-format',
    env: ['TSGI_ACCESS_LOG_FORMAT'],
    kind: enumKind(['common', 'combined', 'json'] as const),
    default: 'combined',
    help: 'Access log lines: common, combined (both end with the duration in µs), or json.',
    group: 'Logging',
  },
  serverHeader: {
    flag: '--server-header',
    env: ['TSGI_SERVER_HEADER'],
    kind: booleanKind,
    default: true,
    help: 'Add a server: tsgi header when the app sets none.',
    group: 'Responses',
  },
  dateHeader: {
    flag: '--date-header',
    env: ['TSGI_DATE_HEADER'],
    kind: booleanKind,
    default: true,
    help: 'Add a date header when the app sets none.',
    group: 'Responses',
  },
};

/** Every option name, in table order. */
export const OPTION_NAMES: readonly OptionName[] = Object.keys(OPTIONS) as OptionName[];

/** The defaults, as a fresh object. */
export function defaultOptions(): ServerOptions {
  const result = {} as Record<OptionName, unknown>;
  for (const name of OPTION_NAMES) {
    const value = OPTIONS[name].default;
    result[name] = Array.isArray(value) ? [...value] : value;
  }
  return result as ServerOptions;
}

export {
  type OptionSource,
  type ResolvedOptions,
  resolveOptions,
  resolveOptionsDetailed,
  unknownEnvironmentVariables,
} from './config/resolve.js';
