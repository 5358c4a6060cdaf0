/**
 * `@tsgi/conformance`: checks a TSGI server against the spec, case by case,
 * each case tied to the requirement IDs it enforces.
 *
 * @packageDocumentation
 */
export {
  listServerCases,
  probeAppReference,
  probeModulePath,
  runServerSuite,
  type ServerSuiteOptions,
  type ServerSuiteResult,
} from './api.js';
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
