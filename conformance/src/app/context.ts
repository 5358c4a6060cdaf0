/**
 * The environment of an application-mode run (the target, the lifespan
 * session, what the application supports) and the context each case gets to
 * drive the application with.
 *
 * @module
 */

import { type Closer, driveHttp, type HttpPlan, type HttpRun, judgeHttp } from './http-driver.js';
import { LifespanSession } from './lifespan-session.js';
import type { AppSettings } from './settings.js';
import {
  driveWebSocket,
  judgeWebSocket,
  refusal,
  type WebSocketPlan,
  type WebSocketRun,
} from './websocket-driver.js';

/** Which WebSocket targets the application accepts a connection on. */
export interface WebSocketSupport {
  /** The targets whose handshake it accepted. */
  readonly accepted: readonly string[];
  /** The targets it refused, with the reason in words. */
  readonly refused: readonly { readonly path: string; readonly why: string }[];
}

/** What all cases of one run share. */
export class AppEnvironment {
  /** The target and limits. */
  readonly settings: AppSettings;
  /** The application's lifespan for this run. */
  readonly session: LifespanSession;
  #websocket: Promise<WebSocketSupport> | null = null;

  /** @param settings - the target and limits. */
  constructor(settings: AppSettings) {
    this.settings = settings;
    this.session = new LifespanSession(settings);
  }

  /** Finds out, once per run, on which WebSocket targets the application accepts a connection. */
  websocketSupport(): Promise<WebSocketSupport> {
    this.#websocket ??= (async () => {
      const accepted: string[] = [];
      const refused: { path: string; why: string }[] = [];
      const closers: Closer[] = [];
      const state = await this.session.requestState();
      for (const path of this.settings.wsPaths) {
        const run = await driveWebSocket(this.settings, state, { path }, (c) => closers.push(c));
        const why = refusal(run);
        if (why === null) accepted.push(path);
        else refused.push({ path, why });
      }
      for (const close of closers) close();
      return { accepted, refused };
    })();
    return this.#websocket;
  }

  /**
   * Says why the application lacks `capability` (`websocket` or `lifespan`),
   * or `null` when it has it, for the runner's `skipped-unsupported`.
   */
  async lacks(capability: string): Promise<string | null> {
    if (capability === 'lifespan') {
      const startup = await this.session.startup();
      return startup.kind === 'unsupported'
        ? `the app does not support lifespan: ${startup.detail} (LS-4)`
        : null;
    }
    if (capability === 'websocket') {
      const support = await this.websocketSupport();
      if (support.accepted.length > 0) return null;
      const reasons = support.refused.map(({ path, why }) => `${path}: ${why}`).join('; ');
      return `the app accepted no WebSocket connection (${reasons}); name a WebSocket route with --ws-path`;
    }
    return null;
  }

  /** Ends the run: shuts the lifespan down if it started. */
  end(): Promise<void> {
    return this.session.end();
  }
}

/** What a case drives the application with. */
export class AppContext {
  /** The run's environment. */
  readonly environment: AppEnvironment;
  readonly #closers: Closer[] = [];

  /** @param environment - the run's environment. */
  constructor(environment: AppEnvironment) {
    this.environment = environment;
  }

  /** The target and limits. */
  get settings(): AppSettings {
    return this.environment.settings;
  }

  /** The request targets of the run. */
  get paths(): readonly string[] {
    return this.settings.paths;
  }

  /** Drives one HTTP exchange: the harness plays the server, the plan the client. */
  async http(plan: HttpPlan): Promise<HttpRun> {
    const state = await this.environment.session.requestState();
    return driveHttp(this.settings, state, plan, (closer) => this.#closers.push(closer));
  }

  /** Drives one exchange and fails the case on the first rule it shows broken. */
  async checkedHttp(plan: HttpPlan): Promise<HttpRun> {
    const run = await this.http(plan);
    judgeHttp(run, this.settings.limits);
    return run;
  }

  /** Drives one WebSocket connection: the harness plays the server, the plan the client. */
  async websocket(plan: WebSocketPlan): Promise<WebSocketRun> {
    const state = await this.environment.session.requestState();
    return driveWebSocket(this.settings, state, plan, (closer) => this.#closers.push(closer));
  }

  /** Drives one connection and fails the case on the first rule it shows broken. */
  async checkedWebSocket(plan: WebSocketPlan): Promise<WebSocketRun> {
    const run = await this.websocket(plan);
    judgeWebSocket(run, this.settings.limits);
    return run;
  }

  /** The WebSocket targets the application accepts connections on; see {@link AppEnvironment.websocketSupport}. */
  async acceptedWebSocketPaths(): Promise<readonly string[]> {
    return (await this.environment.websocketSupport()).accepted;
  }

  /** Closes every exchange and connection the case left open. */
  async dispose(): Promise<void> {
    for (const close of this.#closers.splice(0)) close();
  }
}
