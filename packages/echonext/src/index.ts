/**
 * echonext: the reference micro-framework on TSGI.
 *
 * ```ts
 * import { EchoNext } from 'echonext';
 * const app = new EchoNext();
 * app.get('/', () => 'hello');
 * export default app;
 * ```
 *
 * @packageDocumentation
 */

export {
  ALL_METHODS,
  EchoNext,
  type EchoNextOptions,
  type IncludeOptions,
  type RouteInfo,
  type UrlForContext,
  type ViewClassDecorator,
  type ViewOptions,
  type WebSocketRouteOptions,
} from './app.js';
export {
  AppError,
  AppErrorCode,
  type AppErrorCodeValue,
  type ErrorClass,
  type ErrorHandler,
  ErrorHandlers,
  type FoundHandler,
} from './app-errors.js';
export {
  type MediaType,
  parseMediaType,
} from './body/content-type.js';
export {
  DEFAULT_FORM_LIMITS,
  Form,
  type FormLimits,
  type FormOptions,
  type FormValue,
} from './body/form.js';
export type { JsonOptions } from './body/json.js';
export { MultiDict } from './body/multidict.js';
export type { BodyReceive } from './body/reader.js';
export { UploadedFile } from './body/uploaded-file.js';
export { QueryParams } from './body/urlencoded.js';
export * from './cookies.js';
export { describeError, errorResponse, escapeHtml, prefersJson } from './error-response.js';
export { ErrorScope, type Logger } from './error-scope.js';
export {
  FILE_CHANGED,
  FILE_CHUNK_SIZE,
  FileBody,
  type FileBodyOptions,
  FileChangedError,
  type HttpSend,
} from './file-body.js';
export * from './files.js';
export * from './headers.js';
export * from './http-error.js';
export {
  hookStep,
  type LifespanHook,
  type LifespanPlan,
  type LifespanStep,
  MountedLifespan,
  serveLifespan,
} from './lifespan.js';
export {
  buildChain,
  type Handler,
  type Layer,
  type Middleware,
  type Next,
  viewHandler,
} from './middleware.js';
export * from './request.js';
export * from './response.js';
export * from './router/index.js';
export * from './sse.js';
export {
  type ClientRequestOptions,
  ClientResponse,
  type ClientWebSocketOptions,
  CookieJar,
  type QueryInput,
  TestClient,
  type TestClientOptions,
} from './testing.js';
export * from './usage-error.js';
export {
  classViewMethods,
  isViewClass,
  toResponse,
  VIEW_METHODS,
  View,
  type ViewClass,
  type ViewFunction,
  type ViewResult,
  viewMethodsOf,
} from './views.js';
export {
  type AcceptOptions,
  runWebSocket,
  WEBSOCKET_DISCONNECT,
  WebSocket,
  WebSocketDisconnect,
  type WebSocketHandler,
  type WebSocketMessage,
  type WebSocketReceive,
  type WebSocketSend,
  type WebSocketStatus,
} from './websocket.js';
