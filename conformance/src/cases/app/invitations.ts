/**
 * Calls that invite a conforming application to throw: a scope of a type it
 * cannot know, and a scope of a major version it cannot know. The contract
 * and failure cases share them.
 *
 * @module
 */

import { ProtocolError, type Scope, TSGI_VERSION } from 'tsgi';
import type { AppContext } from '../../app/context.js';
import type { HttpPlan } from '../../app/http-driver.js';
import { Observer } from '../../app/observer.js';
import { settlesWithin, sleep } from '../../app/settings.js';

/** A scope type no TSGI version defines. */
export const UNKNOWN_SCOPE_TYPE = 'conformance.unknown';

/** A major version the application cannot know. */
export const UNKNOWN_VERSION = '2.0';

/** What a call with an unknown scope type yielded. */
export interface UnknownScopeCall {
  /** The watch over the call. */
  readonly observer: Observer;
  /** Whether the application settled within the settle limit. */
  readonly settled: boolean;
}

/**
 * Calls the application with a scope of a type no TSGI version defines.
 * `receive()` never answers, and `send()` rejects as a server rejects an
 * event it does not know.
 */
export async function callWithUnknownScope(context: AppContext): Promise<UnknownScopeCall> {
  const { limits } = context.settings;
  const observer = new Observer(context.settings.app, { protocol: 'other' });
  const scope = { type: UNKNOWN_SCOPE_TYPE, tsgi: { version: TSGI_VERSION } } as unknown as Scope;
  const promise = observer.app(
    scope,
    () => new Promise(() => {}),
    (event) =>
      Promise.reject(
        new ProtocolError(
          'SRV-3',
          'sent event',
          `no event for a scope of type ${UNKNOWN_SCOPE_TYPE}`,
          JSON.stringify((event as { type?: unknown }).type) ?? 'an event',
        ),
      ),
  );
  promise.catch(() => {});
  const settled = await settlesWithin(promise, limits.settleTimeoutMs);
  if (settled) await sleep(limits.lateWindowMs);
  observer.close();
  return { observer, settled };
}

/** A GET whose scope names a major version the application cannot know (VER-3). */
export function unknownVersionPlan(path: string): HttpPlan {
  return {
    path,
    scope: (scope) => ({ ...scope, tsgi: { ...scope.tsgi, version: UNKNOWN_VERSION } }),
    watchLate: true,
    note: `with scope.tsgi.version ${JSON.stringify(UNKNOWN_VERSION)}`,
  };
}
