/**
 * An application that throws (spec sections 2.1 and 3.11). Throwing is
 * allowed, and the server answers for it; but the throw must be the
 * rejection of the returned promise, with no `send()` still pending, and
 * nothing may follow it. The case invites throws the way a server can: a
 * scope type and a major version the application cannot know, and a client
 * that leaves while the response is under way.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import { failWith } from '../../app/finding.js';
import { type HttpRun, judgeHttp } from '../../app/http-driver.js';
import { defineGroup, Unsupported } from '../../case.js';
import { callWithUnknownScope, UNKNOWN_SCOPE_TYPE, unknownVersionPlan } from './invitations.js';

/** The cases of the `app.failure` group. */
export const failureCases = defineGroup<AppContext>('app.failure', [
  {
    id: 'app.failure.after-throw',
    title: 'a throw rejects the returned promise, with no send() pending and no call after it',
    requirements: ['APP-1', 'APP-5'],
    async run(context) {
      let throws = 0;
      const unknown = await callWithUnknownScope(context);
      if (unknown.observer.end?.threw === true) {
        throws += 1;
        const found = unknown.observer.findings[0];
        if (found !== undefined) failWith(found, `a scope of type ${UNKNOWN_SCOPE_TYPE}`);
      }
      const runs: HttpRun[] = [await context.http(unknownVersionPlan(context.paths[0] as string))];
      for (const path of context.paths) {
        runs.push(
          await context.http({
            path,
            disconnect: { afterResponseBytes: 1 },
            watchLate: true,
            note: 'that leaves after the first body byte',
          }),
        );
      }
      for (const run of runs) {
        if (run.observer.end?.threw !== true) continue;
        throws += 1;
        judgeHttp(run, context.settings.limits);
      }
      if (throws === 0) {
        throw new Unsupported(
          'the app threw in none of the calls that invite a throw (an unknown scope type, an unknown major version, a client that leaves)',
        );
      }
    },
  },
]);
