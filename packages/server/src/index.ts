/**
 * `@tsgi/server`: the reference TSGI server and the `tsgi` command.
 *
 * `serve(app, options)` runs an application in this process and returns a
 * handle with the bound addresses and `close()`; `startServer(settings)` adds
 * the process model (workers, signals, reloads) that `tsgi serve` uses.
 *
 * @packageDocumentation
 */

export type { ValueKind } from './config/kinds.js';
export type { BoundAddress, ServeFunction, ServerHandle } from './handle.js';
export { BindError } from './listen/bind.js';
export {
  LoadError,
  LoadErrorCode,
  type LoadErrorCodeValue,
  type LoadedApp,
  loadApp,
} from './loader.js';
export { LogClock } from './log/clock.js';
export {
  type ErrorContext,
  type ErrorScope,
  getLogger,
  Logger,
  logAppError,
} from './log/logger.js';
export type { LineSink } from './log/sink.js';
export type { OptionGroup, OptionName, OptionSpec } from './options.js';
export {
  type AccessLogFormat,
  type ClientCertMode,
  type LifespanMode,
  type LogLevel,
  OPTIONS,
  OptionsError,
  type OptionTable,
  resolveOptions,
  ServerErrorCode,
  type ServerOptions,
  type ServerOptionsInput,
} from './options.js';
export { type RunningServer, type StartSettings, startServer } from './process/run.js';
export type { SupervisorTiming } from './process/supervisor.js';
export { type ServeExtras, serve } from './serve.js';
