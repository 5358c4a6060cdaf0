/**
 * Starting a server: resolves the settings, picks the process model and runs
 * it. The single-process model serves in this process; the supervised model
 * runs a primary with `workers` worker processes.
 *
 * A supervisor is used when `workers` is above 1 or when any of `workers`,
 * `timeout`, `maxRequests` and `maxRequestsJitter` was set explicitly: those
 * settings only mean something with a primary watching the workers.
 *
 * @module
 */
import type { Application } from 'tsgi';
import type { BoundAddress } from '../handle.js';
import { prepareTargets } from '../listen/bind.js';
import { listenTargets } from '../listen/targets.js';
import { loadTls } from '../listen/tls.js';
import { locateApp } from '../loader.js';
import { configureLogging, type ProcessLoggers } from '../log/setup.js';
import {
  type OptionName,
  type OptionSource,
  OptionsError,
  resolveOptionsDetailed,
  type ServerOptions,
  type ServerOptionsInput,
  unknownEnvironmentVariables,
} from '../options.js';
import { removePidfile, writePidfile } from './pidfile.js';
import { startSingle } from './single.js';
import { Supervisor, type SupervisorTiming } from './supervisor.js';

/** How to start, besides the settings themselves. */
export interface StartSettings {
  /** Environment variables to read settings from; none unless given (the CLI passes `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** CLI arguments after `tsgi serve`. */
  argv?: readonly string[];
  /** The app as a function (single-process only); otherwise the `app` setting is loaded. */
  app?: Application;
  /** The directory the app path is relative to; the current directory by default. */
  cwd?: string;
  /** Whether to handle process signals; true by default. */
  signals?: boolean;
  /** Supervision timing overrides. */
  timing?: Partial<SupervisorTiming>;
}

/** A started server. */
export interface RunningServer {
  /** `single` when this process serves; `supervised` when worker processes do. */
  mode: 'single' | 'supervised';
  /** The resolved settings. */
  options: ServerOptions;
  /** Where it listens. */
  addresses: readonly BoundAddress[];
  /** Resolves with the exit status once the server has stopped. */
  finished: Promise<number>;
  /** Stops gracefully; resolves with the exit status. */
  stop(): Promise<number>;
}

const PROCESS_SETTINGS: readonly OptionName[] = [
  'workers',
  'timeout',
  'maxRequests',
  'maxRequestsJitter',
];

/** Whether the settings call for a primary process supervising workers. */
export function wantsSupervisor(
  options: ServerOptions,
  sources: Readonly<Record<OptionName, OptionSource>>,
): boolean {
  return options.workers > 1 || PROCESS_SETTINGS.some((name) => sources[name] !== 'default');
}

/**
 * Resolves the settings and starts the server; resolves once it accepts
 * connections.
 *
 * @throws `OptionsError`, `LoadError`, a bind error, or a
 *   worker start error, each with a one-line message.
 */
export async function startServer(
  input: ServerOptionsInput = {},
  settings: StartSettings = {},
): Promise<RunningServer> {
  const env = settings.env ?? {};
  const { options, sources } = resolveOptionsDetailed(input, env, settings.argv ?? []);
  const cwd = settings.cwd ?? process.cwd();
  const signals = settings.signals ?? true;
  if (settings.app === undefined && options.app === '') {
    throw new OptionsError(
      'no app given: pass path/to/module.js:exportName (see tsgi serve --help)',
      'app',
    );
  }
  const supervised = wantsSupervisor(options, sources);
  if (supervised && settings.app !== undefined) {
    throw new OptionsError(
      'worker processes load the app themselves: give it as a module path (app: "path/to/module.js:name"), not as a function',
      'app',
    );
  }

  const loggers: ProcessLoggers = configureLogging(options, { access: !supervised });
  const { logger } = loggers;
  for (const warning of unknownEnvironmentVariables(env)) logger.warning(warning);
  let pidfileWritten = false;
  const cleanup = () => {
    if (pidfileWritten && options.pidfile !== null) removePidfile(options.pidfile);
    loggers.close();
  };
  try {
    if (options.pidfile !== null) {
      writePidfile(options.pidfile);
      pidfileWritten = true;
    }
    if (!supervised) {
      const single = await startSingle({
        options,
        ...(settings.app === undefined ? {} : { app: settings.app }),
        cwd,
        logger,
        signals,
        reopenLogs: () => loggers.reopen(),
      });
      const finished = single.finished.finally(cleanup);
      return {
        mode: 'single',
        options,
        addresses: single.addresses,
        finished,
        stop: () => single.stop(),
      };
    }

    // Mistakes the primary can see are reported before any worker starts.
    locateApp(options.app, cwd);
    loadTls(options);
    await prepareTargets(listenTargets(options, cwd));
    const supervisor = new Supervisor({
      options,
      cwd,
      logger,
      reopenLogs: () => loggers.reopen(),
      ...(settings.timing === undefined ? {} : { timing: settings.timing }),
    });
    if (signals) supervisor.installSignalHandlers();
    const finished = supervisor.finished.finally(cleanup);
    try {
      await supervisor.start();
    } catch (error) {
      await finished;
      throw error;
    }
    return {
      mode: 'supervised',
      options,
      get addresses() {
        return supervisor.addresses;
      },
      finished,
      stop: () => supervisor.stop(),
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}
