/**
 * `@tsgi/conformance`: checks a TSGI server or application against the spec,
 * case by case, each case tied to the requirement IDs it enforces.
 *
 * @packageDocumentation
 */
export {
  type AppSuiteOptions,
  type AppSuiteResult,
  listAppCases,
  listServerCases,
  probeAppReference,
  probeModulePath,
  runAppSuite,
  runServerSuite,
  type ServerSuiteOptions,
  type ServerSuiteResult,
} from './api.js';
export type { AppContext, AppEnvironment, WebSocketSupport } from './app/context.js';
export type { Finding } from './app/finding.js';
export type { Closer, HttpPlan, HttpRun } from './app/http-driver.js';
export type { LifespanSession, ShutdownOutcome, StartupOutcome } from './app/lifespan-session.js';
export type {
  ObservedEnd,
  ObservedProtocol,
  Observer,
  ObserverOptions,
} from './app/observer.js';
export type { AppLimits, AppSettings } from './app/settings.js';
export type {
  WebSocketClient,
  WebSocketPlan,
  WebSocketRun,
  WebSocketScript,
} from './app/websocket-driver.js';
export {
  AssertionFailure,
  type Capability,
  type CaseLevel,
  type CaseResult,
  type CaseStatus,
  type ConformanceCase,
  ConformanceErrorCode,
  defineCase,
  defineGroup,
  type ExtensionName,
  type Facility,
  HarnessError,
  Unsupported,
} from './case.js';
export type {
  RawBody,
  RawConnection,
  RawFraming,
  RawHead,
  RawResponse,
} from './clients/raw-http.js';
export type {
  BinaryMessage,
  CloseMessage,
  EndMessage,
  Frame,
  FrameOptions,
  Handshake,
  HandshakeOptions,
  Message,
  TextMessage,
  WebSocketConnection,
} from './clients/websocket.js';
export { type CommandLineOutput, runCommandLine } from './command-line.js';
export {
  ExitStatus,
  type ExitStatusValue,
  type HarnessProblem,
  type SuiteReport,
  type Summary,
} from './report.js';
export { type ReporterName, reporters } from './reporters/index.js';
export type {
  JsonResponse,
  RawExchange,
  RequestOptions,
  ScopeReport,
  ServerContext,
  SimpleResponse,
} from './server-context.js';
export type { ExitInfo, ServerProcess, StartOptions } from './server-process.js';
export type { Target } from './target.js';
