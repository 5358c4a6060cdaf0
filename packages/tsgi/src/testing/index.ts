/**
 * The in-process test harness: drives any TSGI application with HTTP
 * requests, WebSocket connections and lifespan events, without a network.
 * The harness plays a strict server: the scopes it builds follow the spec,
 * and every event the application sends is judged by the protocol machines.
 *
 * @module
 */

export {
  HarnessEndedError,
  HarnessErrorCode,
  HarnessTimeoutError,
  LifespanFailedError,
} from './errors.js';
export { createHarness, Harness, type HarnessOptions } from './harness.js';
export { TestHttpExchange } from './http.js';
export { type LifespanStartup, openLifespan, TestLifespan } from './lifespan.js';
export type {
  BodyChunk,
  BodyInput,
  ConnectionOptions,
  DisconnectPoint,
  HeaderInput,
  HttpOptions,
  LifespanOptions,
  ResponseOptions,
  RunOptions,
  WaitOptions,
  WebSocketOptions,
} from './options.js';
export { openHttp, request } from './request.js';
export { type HttpOutcome, TestResponse, type TestResponseInit } from './response.js';
export { openWebSocket, TestWebSocket } from './websocket.js';
export type {
  WebSocketAccepted,
  WebSocketDenied,
  WebSocketEnd,
  WebSocketHandshake,
  WebSocketMessage,
} from './websocket-types.js';
