/**
 * The TSGI 1.0 interface as TypeScript types: scopes, events, and the
 * application, receive, send and middleware signatures.
 *
 * Every shape here has a JSON Schema in `spec/schemas/`; a test keeps the two
 * in step. Field meanings and the rules around them are in `spec/tsgi.md`.
 *
 * @module
 */

/** One header as a `[name, value]` pair. Names are lowercase (HTTP-SCOPE-10, HTTP-RESP-3). */
export type HeaderPair = [name: string, value: string];

/** Headers in the order they were received or are to be sent, duplicates kept. */
export type HeaderList = HeaderPair[];

/**
 * A network address. For TCP it is the IP address and port; for a unix socket
 * `host` is the socket path and `port` is `null`.
 */
export interface Address {
  /** The IP address (no brackets for IPv6), or the unix socket path. */
  host: string;
  /** The TCP port, or `null` for a unix socket. */
  port: number | null;
}

/** The `tsgi` field of every scope. */
export interface TsgiInfo {
  /** The spec version the server implements, `"major.minor"`; `"1.0"` for this one. */
  version: string;
}

/** TLS facts of the connection, advertised as `scope.extensions.tls` (EXT-TLS-1). */
export interface TlsInfo {
  /** The negotiated protocol, such as `"TLSv1.3"`. */
  protocol: string;
  /** The negotiated cipher suite, in OpenSSL naming. */
  cipher: string;
  /** The server name the client asked for with SNI, or `null`. */
  serverName: string | null;
  /** The ALPN protocol agreed on, such as `"http/1.1"`, or `null`. */
  alpnProtocol: string | null;
  /** The client certificate in PEM, when the client sent one, else `null`. */
  clientCertificate: string | null;
}

/** An extension that carries no data: its presence is the advertisement. */
export type ExtensionFlag = Record<string, never>;

/**
 * The optional features a server advertises in `scope.extensions`. A key is
 * present only when the server implements that feature for this connection
 * (HTTP-SCOPE-16); other keys may hold other servers' extensions.
 */
export interface Extensions {
  /** Response trailers, only when the request carried `TE: trailers` (EXT-TRAILERS-1). */
  'http.response.trailers'?: ExtensionFlag;
  /** `103 Early Hints` via `http.response.earlyHints` events (EXT-HINTS-1). */
  'http.response.earlyHints'?: ExtensionFlag;
  /** Send a file by path via the `http.response.file` event (EXT-FILE-1). */
  'http.response.file'?: ExtensionFlag;
  /** An HTTP response instead of the WebSocket handshake (EXT-WSDENY-1). */
  'websocket.http.response'?: ExtensionFlag;
  /** TLS facts; present only on TLS connections (EXT-TLS-1). */
  tls?: TlsInfo;
  /** Extensions of other servers, by name. */
  [name: string]: object | undefined;
}

/** Fields that the HTTP and WebSocket scopes share. */
export interface ConnectionScopeBase {
  /** The spec version. */
  tsgi: TsgiInfo;
  /** `"1.0"`, `"1.1"`, `"2"` or `"3"`. */
  httpVersion: HttpVersion;
  /** The percent-decoded path, UTF-8, including `rootPath` (HTTP-SCOPE-6). */
  path: string;
  /** The request target's path exactly as received, without the query (HTTP-SCOPE-7). */
  rawPath: string;
  /** The raw query string, without the `?`; `""` when absent (HTTP-SCOPE-8). */
  queryString: string;
  /** The mount point the app is served under; `""` at the root (HTTP-SCOPE-9). */
  rootPath: string;
  /** The request headers, lowercase names, order and duplicates kept (HTTP-SCOPE-10). */
  headers: HeaderList;
  /** The remote peer, or `null` when unknown (HTTP-SCOPE-13). */
  client: Address | null;
  /** The local end of the connection, or `null` when unknown (HTTP-SCOPE-14). */
  server: Address | null;
  /** A shallow copy of the lifespan state, when the server runs lifespan (LS-STATE-1). */
  state?: Record<string, unknown>;
  /** The optional features available on this connection. */
  extensions: Extensions;
}

/** The HTTP versions a scope can name. */
export type HttpVersion = '1.0' | '1.1' | '2' | '3';

/** The scope of one HTTP request. */
export interface HttpScope extends ConnectionScopeBase {
  /** The protocol. */
  type: 'http';
  /** The request method exactly as received (HTTP-SCOPE-4). */
  method: string;
  /** `"http"` or `"https"`. */
  scheme: 'http' | 'https';
}

/** The scope of one WebSocket connection. */
export interface WebSocketScope extends ConnectionScopeBase {
  /** The protocol. */
  type: 'websocket';
  /** `"ws"` or `"wss"`. */
  scheme: 'ws' | 'wss';
  /** The subprotocols the client offered, in its order (WS-SCOPE-2). */
  subprotocols: string[];
}

/** The scope of the lifespan protocol: one per process. */
export interface LifespanScope {
  /** The protocol. */
  type: 'lifespan';
  /** The spec version. */
  tsgi: TsgiInfo;
  /** State the app fills at startup; copied into every request scope (LS-STATE-1). */
  state: Record<string, unknown>;
}

/** Any scope. */
export type Scope = HttpScope | WebSocketScope | LifespanScope;

// ---------------------------------------------------------------- HTTP events

/** A piece of the request body (HTTP-REQ-1). */
export interface HttpRequestEvent {
  /** The event type. */
  type: 'http.request';
  /** Body bytes; may be empty. */
  body: Uint8Array;
  /** `true` while more body follows; `false` on the last piece. */
  moreBody: boolean;
}

/** The client is gone, or the response is complete (HTTP-DISC-1, HTTP-DISC-3). */
export interface HttpDisconnectEvent {
  /** The event type. */
  type: 'http.disconnect';
}

/** Starts the response (HTTP-RESP-1). */
export interface HttpResponseStartEvent {
  /** The event type. */
  type: 'http.response.start';
  /** The status code, 200 to 599 (HTTP-RESP-2). */
  status: number;
  /** The response headers, lowercase names (HTTP-RESP-3). Defaults to none. */
  headers?: HeaderList;
  /** `true` when trailers will follow the body (EXT-TRAILERS-2). Defaults to `false`. */
  trailers?: boolean;
}

/** A piece of the response body (HTTP-RESP-5). */
export interface HttpResponseBodyEvent {
  /** The event type. */
  type: 'http.response.body';
  /** Body bytes, or a string the server encodes as UTF-8. Defaults to empty. */
  body?: Uint8Array | string;
  /** `true` while more body follows. Defaults to `false`. */
  moreBody?: boolean;
}

/** Response trailers; ends a response started with `trailers: true` (EXT-TRAILERS-2). */
export interface HttpResponseTrailersEvent {
  /** The event type. */
  type: 'http.response.trailers';
  /** The trailer fields, lowercase names. */
  headers: HeaderList;
}

/** A `103 Early Hints` response, sent before `http.response.start` (EXT-HINTS-1). */
export interface HttpResponseEarlyHintsEvent {
  /** The event type. */
  type: 'http.response.earlyHints';
  /** The hint headers, typically `link`. */
  headers: HeaderList;
}

/** Sends a file's bytes as the rest of the body and ends the response (EXT-FILE-1). */
export interface HttpResponseFileEvent {
  /** The event type. */
  type: 'http.response.file';
  /** An absolute path to a regular file. */
  path: string;
  /** The first byte to send. Defaults to 0. */
  offset?: number;
  /** How many bytes to send. Defaults to the rest of the file. */
  length?: number;
}

/** Events an HTTP application receives. */
export type HttpReceiveEvent = HttpRequestEvent | HttpDisconnectEvent;

/** Events an HTTP application sends. */
export type HttpSendEvent =
  | HttpResponseStartEvent
  | HttpResponseBodyEvent
  | HttpResponseTrailersEvent
  | HttpResponseEarlyHintsEvent
  | HttpResponseFileEvent;

// ----------------------------------------------------------- WebSocket events

/** The client asks to open the WebSocket (WS-CONNECT-1). */
export interface WebSocketConnectEvent {
  /** The event type. */
  type: 'websocket.connect';
}

/** A whole message from the client: exactly one of `text` and `bytes` (WS-RECV-1). */
export interface WebSocketReceiveMessageEvent {
  /** The event type. */
  type: 'websocket.receive';
  /** A text message. */
  text?: string;
  /** A binary message. */
  bytes?: Uint8Array;
}

/** The connection is closed, by either side or by failure (WS-DISC-1). */
export interface WebSocketDisconnectEvent {
  /** The event type. */
  type: 'websocket.disconnect';
  /** The close code; 1005 when none was given, 1006 when the connection dropped. */
  code: number;
  /** The close reason, possibly empty. */
  reason: string;
}

/** Accepts the connection (WS-ACCEPT-1). */
export interface WebSocketAcceptEvent {
  /** The event type. */
  type: 'websocket.accept';
  /** The chosen subprotocol, one of `scope.subprotocols` (WS-ACCEPT-2), or `null`. */
  subprotocol?: string | null;
  /** Extra headers for the `101` response (WS-ACCEPT-3). */
  headers?: HeaderList;
}

/** Sends one message: exactly one of `text` and `bytes` (WS-SEND-1). */
export interface WebSocketSendMessageEvent {
  /** The event type. */
  type: 'websocket.send';
  /** A text message. */
  text?: string;
  /** A binary message. */
  bytes?: Uint8Array;
}

/**
 * Closes the connection, or denies it before accept (WS-CLOSE-1); a denial
 * answers HTTP 403 and ignores `code` and `reason`.
 */
export interface WebSocketCloseEvent {
  /** The event type. */
  type: 'websocket.close';
  /** The close code (WS-CLOSE-2). Defaults to 1000. */
  code?: number;
  /** The close reason, at most 123 bytes in UTF-8. Defaults to empty. */
  reason?: string;
}

/** Starts an HTTP response in place of the handshake (EXT-WSDENY-1). */
export interface WebSocketHttpResponseStartEvent {
  /** The event type. */
  type: 'websocket.http.response.start';
  /** The status code, 200 to 599. */
  status: number;
  /** The response headers, lowercase names. */
  headers?: HeaderList;
}

/** A piece of the denial response body (EXT-WSDENY-1). */
export interface WebSocketHttpResponseBodyEvent {
  /** The event type. */
  type: 'websocket.http.response.body';
  /** Body bytes, or a string the server encodes as UTF-8. */
  body?: Uint8Array | string;
  /** `true` while more body follows. Defaults to `false`. */
  moreBody?: boolean;
}

/** Events a WebSocket application receives. */
export type WebSocketReceiveEvent =
  | WebSocketConnectEvent
  | WebSocketReceiveMessageEvent
  | WebSocketDisconnectEvent;

/** Events a WebSocket application sends. */
export type WebSocketSendEvent =
  | WebSocketAcceptEvent
  | WebSocketSendMessageEvent
  | WebSocketCloseEvent
  | WebSocketHttpResponseStartEvent
  | WebSocketHttpResponseBodyEvent;

// ------------------------------------------------------------ lifespan events

/** The server is starting (LS-2). */
export interface LifespanStartupEvent {
  /** The event type. */
  type: 'lifespan.startup';
}

/** The server is stopping (LS-5). */
export interface LifespanShutdownEvent {
  /** The event type. */
  type: 'lifespan.shutdown';
}

/** Startup went well (LS-6). */
export interface LifespanStartupCompleteEvent {
  /** The event type. */
  type: 'lifespan.startup.complete';
}

/** Startup failed; the server stops and shows `message` (LS-3). */
export interface LifespanStartupFailedEvent {
  /** The event type. */
  type: 'lifespan.startup.failed';
  /** Why. Defaults to empty. */
  message?: string;
}

/** Shutdown went well (LS-6). */
export interface LifespanShutdownCompleteEvent {
  /** The event type. */
  type: 'lifespan.shutdown.complete';
}

/** Shutdown failed; the server logs `message` (LS-6). */
export interface LifespanShutdownFailedEvent {
  /** The event type. */
  type: 'lifespan.shutdown.failed';
  /** Why. Defaults to empty. */
  message?: string;
}

/** Events a lifespan application receives. */
export type LifespanReceiveEvent = LifespanStartupEvent | LifespanShutdownEvent;

/** Events a lifespan application sends. */
export type LifespanSendEvent =
  | LifespanStartupCompleteEvent
  | LifespanStartupFailedEvent
  | LifespanShutdownCompleteEvent
  | LifespanShutdownFailedEvent;

// ---------------------------------------------------------------- the contract

/** Any event a server gives an application. */
export type ReceiveEvent = HttpReceiveEvent | WebSocketReceiveEvent | LifespanReceiveEvent;

/** Any event an application gives a server. */
export type SendEvent = HttpSendEvent | WebSocketSendEvent | LifespanSendEvent;

/** Waits for the next event from the server. */
export type Receive = () => Promise<ReceiveEvent>;

/**
 * Gives an event to the server. Resolves once the transport has accepted it
 * (HTTP-BP-1); rejects with `ClientDisconnectedError` once the client is gone
 * (HTTP-DISC-2).
 */
export type Send = (event: SendEvent) => Promise<void>;

/**
 * A TSGI application (APP-1): called once per HTTP request, once per WebSocket
 * connection and once per process for lifespan. It settles when it is done.
 */
export type Application = (scope: Scope, receive: Receive, send: Send) => Promise<void>;

/** A middleware: an application wrapped around another (MW-1). */
export type Middleware = (app: Application) => Application;

/** An application that handles HTTP only, with events typed for HTTP. */
export type HttpApplication = (
  scope: HttpScope,
  receive: () => Promise<HttpReceiveEvent>,
  send: (event: HttpSendEvent) => Promise<void>,
) => Promise<void>;

/** An application that handles WebSocket only, with events typed for WebSocket. */
export type WebSocketApplication = (
  scope: WebSocketScope,
  receive: () => Promise<WebSocketReceiveEvent>,
  send: (event: WebSocketSendEvent) => Promise<void>,
) => Promise<void>;

/** An application that handles lifespan only, with events typed for lifespan. */
export type LifespanApplication = (
  scope: LifespanScope,
  receive: () => Promise<LifespanReceiveEvent>,
  send: (event: LifespanSendEvent) => Promise<void>,
) => Promise<void>;
