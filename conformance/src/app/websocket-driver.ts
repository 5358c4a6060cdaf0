/**
 * One WebSocket connection of the application mode: the `tsgi` harness
 * plays the server (its machine and the validator judge every event), the
 * {@link Observer} watches the application's calls, and a script plays the
 * client once the handshake is accepted. {@link judgeWebSocket} turns what
 * was seen into a pass or the first rule broken.
 *
 * @module
 */

import {
  type Extensions,
  openWebSocket,
  type TestWebSocket,
  type WebSocketEnd,
  type WebSocketHandshake,
  type WebSocketMessage,
} from 'tsgi';
import { describeThrown, failWith, findingOf } from './finding.js';
import type { Closer } from './http-driver.js';
import { Observer } from './observer.js';
import { type AppSettings, settlesWithin, sleep } from './settings.js';

/** What the client does once the handshake is accepted. */
export type WebSocketScript = (client: WebSocketClient) => Promise<void>;

/** The client's side of an accepted connection, for a script. */
export interface WebSocketClient {
  /** The harness's connection. */
  readonly socket: TestWebSocket;
  /** Collects what the application sends for up to `ms` milliseconds, or until the connection ends. */
  collect(ms: number): Promise<void>;
}

/** What the client of one connection does. */
export interface WebSocketPlan {
  /** The handshake's target. */
  readonly path: string;
  /** The subprotocols the client offers. */
  readonly subprotocols?: readonly string[];
  /** `scope.extensions`, exactly; the harness's default when absent. */
  readonly extensions?: Extensions;
  /** What the client does once accepted; by default it closes at once. */
  readonly script?: WebSocketScript;
  /** Words for reports. */
  readonly note?: string;
}

/** What one connection yielded. */
export interface WebSocketRun {
  /** The plan. */
  readonly plan: WebSocketPlan;
  /** The connection in reports, such as `WebSocket /chat`. */
  readonly label: string;
  /** How the application answered the handshake; `null` when it did not in time. */
  readonly handshake: WebSocketHandshake | null;
  /** Why the handshake has no answer, when it has none. */
  readonly handshakeProblem: string | null;
  /** What the client received, in order. */
  readonly received: readonly WebSocketMessage[];
  /** How the application's call ended; `null` when it never settled. */
  readonly end: WebSocketEnd | null;
  /** The watch over the application's calls. */
  readonly observer: Observer;
}

/** Closes the connection at once. */
export const closeAtOnce: WebSocketScript = async ({ socket }) => {
  socket.close(1000);
};

/**
 * Drives one connection and waits until the application settled, or gave up
 * on it after the run's limits.
 *
 * @param settings - the run's target and limits.
 * @param state - the lifespan state to copy into the scope, if any.
 * @param plan - what the client does.
 * @param track - called with what must be closed when the case ends.
 */
export async function driveWebSocket(
  settings: AppSettings,
  state: Record<string, unknown> | undefined,
  plan: WebSocketPlan,
  track: (closer: Closer) => void,
): Promise<WebSocketRun> {
  const { limits } = settings;
  const observer = new Observer(settings.app, { protocol: 'websocket' });
  const offered = plan.subprotocols ?? [];
  const label = `WebSocket ${plan.path}${offered.length > 0 ? ` offering ${offered.join(', ')}` : ''}${
    plan.note === undefined ? '' : ` ${plan.note}`
  }`;
  const socket = openWebSocket(observer.app, {
    path: plan.path,
    headers: settings.headers,
    subprotocols: offered,
    ...(plan.extensions === undefined ? {} : { extensions: plan.extensions }),
    ...(state === undefined ? {} : { state }),
    strict: false,
    validate: true,
    timeoutMs: limits.responseTimeoutMs,
  });
  track(() => {
    socket.disconnect();
    observer.close();
  });
  const received: WebSocketMessage[] = [];
  let handshake: WebSocketHandshake | null = null;
  let handshakeProblem: string | null = null;
  try {
    try {
      handshake = await socket.connect({ timeoutMs: limits.responseTimeoutMs });
    } catch (error) {
      handshakeProblem = describeThrown(error);
      socket.disconnect();
    }
    if (handshake?.kind === 'accepted') {
      const client: WebSocketClient = {
        socket,
        async collect(ms) {
          const until = performance.now() + ms;
          for (;;) {
            const left = until - performance.now();
            if (left <= 0) return;
            try {
              received.push(await socket.receive({ timeoutMs: left }));
            } catch {
              return;
            }
          }
        },
      };
      await (plan.script ?? closeAtOnce)(client);
    }
    const finished = socket.finished({ timeoutMs: Number.POSITIVE_INFINITY });
    let settled = await settlesWithin(finished, limits.responseTimeoutMs);
    if (!settled) {
      socket.disconnect();
      settled = await settlesWithin(finished, limits.settleTimeoutMs);
    }
    const end = settled ? await finished.catch(() => null) : null;
    if (end !== null) await sleep(limits.lateWindowMs);
    return { plan, label, handshake, handshakeProblem, received, end, observer };
  } finally {
    observer.close();
  }
}

/**
 * Fails the case with the first rule the connection shows broken: the
 * harness's verdict, then the observer's findings, then an application that
 * never settled.
 *
 * @param run - the connection.
 * @param limits - the run's limits, for the message.
 */
export function judgeWebSocket(run: WebSocketRun, limits: AppSettings['limits']): void {
  const violation = findingOf(run.end?.violation ?? null);
  if (violation !== null) failWith(violation, run.label);
  const found = run.observer.findings[0];
  if (found !== undefined) failWith(found, run.label);
  if (run.end === null) {
    failWith(
      {
        requirement: 'APP-1',
        what: 'application',
        expected: 'a promise that settles once the connection is over',
        actual: `no settle within ${limits.settleTimeoutMs} ms after the connection ended`,
      },
      run.label,
    );
  }
}

/** Whether the application accepted the handshake, and if not, in words why not. */
export function refusal(run: WebSocketRun): string | null {
  const { handshake } = run;
  if (handshake?.kind === 'accepted') return null;
  if (handshake === null) return `no answer to the handshake (${run.handshakeProblem ?? 'none'})`;
  const error = run.end?.error;
  const thrown = error === null || error === undefined ? '' : `: ${describeThrown(error)}`;
  return `it answered the handshake with status ${handshake.status} (${handshake.requirement})${thrown}`;
}
