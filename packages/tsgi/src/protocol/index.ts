/**
 * The sans-IO protocol machines of TSGI: one per protocol, shared by the
 * validator, the reference server and the test harness.
 *
 * @module
 */

export {
  BodyMeter,
  checkContentLength,
  type ResponseFraming,
} from './body.js';
export {
  checkHeaderList,
  headerValues,
  isLowercaseToken,
  isSafeFieldValue,
  isToken,
  listsToken,
  readContentLength,
} from './headers.js';
export {
  HTTP_REQUEST_TRANSITIONS,
  HTTP_TRANSITIONS,
  type HttpBodyAction,
  type HttpDisconnectAction,
  type HttpEarlyHintsAction,
  HttpExchange,
  type HttpExchangeOptions,
  type HttpFileAction,
  type HttpMove,
  type HttpReadAction,
  type HttpReceiveAction,
  type HttpRequestMove,
  type HttpRequestState,
  type HttpSendAction,
  type HttpSettleAction,
  type HttpStartAction,
  type HttpState,
  type HttpTrailersAction,
  type HttpWaitAction,
} from './http.js';
export {
  LIFESPAN_TRANSITIONS,
  type LifespanCompleteAction,
  LifespanCycle,
  type LifespanEventType,
  type LifespanFailedAction,
  type LifespanReceiveAction,
  type LifespanSendAction,
  type LifespanSettleAction,
  type LifespanSettlement,
  type LifespanStartupAction,
  type LifespanState,
  type LifespanWaitAction,
} from './lifespan.js';
export type { DisconnectedAction, ProtocolMachine, Settlement } from './machine.js';
export {
  isSendableCloseCode,
  WEBSOCKET_PEER_TRANSITIONS,
  WEBSOCKET_TRANSITIONS,
  type WebSocketAcceptAction,
  type WebSocketCloseAction,
  type WebSocketConnectAction,
  type WebSocketDenialBodyAction,
  type WebSocketDenialStartAction,
  type WebSocketDenyAction,
  type WebSocketDisconnectAction,
  type WebSocketIgnoreAction,
  type WebSocketMessageAction,
  type WebSocketMove,
  type WebSocketPeerMove,
  type WebSocketPeerState,
  type WebSocketReadAction,
  type WebSocketReceiveAction,
  type WebSocketSendAction,
  WebSocketSession,
  type WebSocketSettleAction,
  type WebSocketState,
} from './websocket.js';
