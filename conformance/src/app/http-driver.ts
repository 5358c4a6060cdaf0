/**
 * One HTTP exchange of the application mode: the `tsgi` harness plays a
 * strict server (its protocol machine and the validator judge every event),
 * the {@link Observer} watches the application's calls, and the driver plays
 * the client: it sends the request, may read slowly or leave at a chosen
 * moment, and never waits longer than the run's limits. {@link judgeHttp}
 * then turns what was seen into a pass or the first rule broken.
 *
 * @module
 */

import {
  type BodyInput,
  type DisconnectPoint,
  type Extensions,
  type HeaderList,
  type HttpScope,
  type HttpVersion,
  openHttp,
  type ReceiveEvent,
  type Scope,
  type TestHttpExchange,
  type TestResponse,
} from 'tsgi';
import { failWith, findingOf } from './finding.js';
import { Observer } from './observer.js';
import { type AppSettings, settlesWithin, sleep } from './settings.js';

/** How long the slow client holds each `send()` before the transport accepts it. */
export const SLOW_HOLD_MS = 25;

/** What the client of one exchange does. */
export interface HttpPlan {
  /** The method. Default `GET`. */
  readonly method?: string;
  /** The request target. */
  readonly path: string;
  /** The scheme. Default `http`. */
  readonly scheme?: 'http' | 'https';
  /** The HTTP version. Default `1.1`. */
  readonly httpVersion?: HttpVersion;
  /** Request headers besides the run's own. */
  readonly headers?: HeaderList;
  /** The request body. */
  readonly body?: BodyInput;
  /** `scope.extensions`, exactly; the harness's default when absent. */
  readonly extensions?: Extensions;
  /** When the client leaves, at the latest; see the harness's `disconnect` option. */
  readonly disconnect?: DisconnectPoint;
  /** The client leaves after this many milliseconds even if `disconnect` was not reached. */
  readonly leaveAfterMs?: number;
  /** The client reads slowly: every `send()` is held for a while (HTTP-BP-1). */
  readonly slow?: boolean;
  /** The client reads nothing: every `send()` stays held until the client leaves. */
  readonly stalled?: boolean;
  /** What the application is given instead of the harness's scope. */
  readonly scope?: (scope: Scope) => Scope;
  /** What the application is given instead of each received event. */
  readonly event?: (event: ReceiveEvent) => ReceiveEvent;
  /** Watch for late calls after the application settled. */
  readonly watchLate?: boolean;
  /** Words for reports, such as `with a body in 64 pieces`. */
  readonly note?: string;
}

/** What one exchange yielded. */
export interface HttpRun {
  /** The plan. */
  readonly plan: HttpPlan;
  /** The exchange in reports, such as `POST / with a body in 64 pieces`. */
  readonly label: string;
  /** The scope the harness built. */
  readonly scope: HttpScope;
  /** The response as the client saw it; `null` when the application never settled. */
  readonly response: TestResponse | null;
  /** The watch over the application's calls. */
  readonly observer: Observer;
  /** Whether the client left before the response was complete. */
  readonly clientLeft: boolean;
  /** Whether the response did not complete within the response time limit. */
  readonly timedOut: boolean;
}

/** Something that must be closed when the case ends. */
export type Closer = () => void;

function settle(exchange: TestHttpExchange, ms: number): Promise<TestResponse | null> {
  const response = exchange.response({ timeoutMs: Number.POSITIVE_INFINITY });
  return settlesWithin(response, ms).then((settled) => (settled ? response : null));
}

/**
 * Drives one exchange and waits until the application settled, or gave up
 * on it: after the response time limit the client leaves, and after the
 * settle limit the driver stops waiting.
 *
 * @param settings - the run's target and limits.
 * @param state - the lifespan state to copy into the scope, if any.
 * @param plan - what the client does.
 * @param track - called with what must be closed when the case ends.
 */
export async function driveHttp(
  settings: AppSettings,
  state: Record<string, unknown> | undefined,
  plan: HttpPlan,
  track: (closer: Closer) => void,
): Promise<HttpRun> {
  const { limits } = settings;
  const observer = new Observer(settings.app, {
    protocol: 'http',
    ...(plan.scope === undefined ? {} : { scope: plan.scope }),
    ...(plan.event === undefined ? {} : { event: plan.event }),
  });
  const method = plan.method ?? 'GET';
  const version = plan.httpVersion === undefined ? '' : ` over HTTP/${plan.httpVersion}`;
  const label = `${method} ${plan.path}${version}${plan.note === undefined ? '' : ` ${plan.note}`}`;
  const exchange = openHttp(observer.app, {
    method,
    path: plan.path,
    ...(plan.httpVersion === undefined ? {} : { httpVersion: plan.httpVersion }),
    ...(plan.scheme === undefined ? {} : { scheme: plan.scheme }),
    headers: [...settings.headers, ...(plan.headers ?? [])],
    ...(plan.body === undefined ? {} : { body: plan.body }),
    ...(plan.extensions === undefined ? {} : { extensions: plan.extensions }),
    ...(plan.disconnect === undefined ? {} : { disconnect: plan.disconnect }),
    ...(state === undefined ? {} : { state }),
    strict: false,
    validate: true,
    timeoutMs: limits.responseTimeoutMs,
  });
  track(() => {
    exchange.disconnect();
    observer.close();
  });
  const timers: ReturnType<typeof setTimeout>[] = [];
  if (plan.slow === true || plan.stalled === true) exchange.pauseTransport();
  if (plan.slow === true) {
    timers.push(
      setInterval(() => {
        exchange.resumeTransport();
        exchange.pauseTransport();
      }, SLOW_HOLD_MS),
    );
  }
  if (plan.leaveAfterMs !== undefined) {
    timers.push(setTimeout(() => exchange.disconnect(), plan.leaveAfterMs));
  }
  try {
    let response = await settle(exchange, limits.responseTimeoutMs);
    const timedOut = response === null;
    if (response === null) {
      exchange.disconnect();
      response = await settle(exchange, limits.settleTimeoutMs);
    }
    if (plan.watchLate === true && response !== null) await sleep(limits.lateWindowMs);
    return {
      plan,
      label,
      scope: exchange.scope,
      response,
      observer,
      clientLeft: exchange.clientGone && response?.outcome !== 'complete',
      timedOut,
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    observer.close();
  }
}

/**
 * Fails the case with the first rule the exchange shows broken: the
 * harness's verdict (its machine and the validator), then the observer's
 * findings, then an application that never settled.
 *
 * @param run - the exchange.
 * @param limits - the run's limits, for the message.
 */
export function judgeHttp(run: HttpRun, limits: AppSettings['limits']): void {
  const violation = findingOf(run.response?.violation ?? null);
  if (violation !== null) failWith(violation, run.label);
  const found = run.observer.findings[0];
  if (found !== undefined) failWith(found, run.label);
  if (run.response === null) {
    const learned = run.observer.learnedGone;
    failWith(
      {
        requirement: learned ? 'HTTP-DISC-5' : 'APP-1',
        what: 'application',
        expected: learned
          ? 'to stop and settle once it learned the client is gone'
          : 'a promise that settles once the application is done',
        actual: `no settle within ${limits.settleTimeoutMs} ms after the client left${
          learned ? ', though it had learned so' : ''
        }`,
      },
      run.label,
    );
  }
}
