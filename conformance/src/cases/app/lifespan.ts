/**
 * Lifespan (spec section 5). The run starts the lifespan once, before its
 * first request, and shuts it down last; these cases report how each went.
 * An application that settles before its first `receive()` does not support
 * lifespan, which the spec allows (LS-4): both cases are then
 * `skipped-unsupported`.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import { failWith } from '../../app/finding.js';
import { defineGroup, Unsupported } from '../../case.js';

/** The case run first: the lifespan starts before any request. */
export const lifespanStartupCases = defineGroup<AppContext>('app.lifespan', [
  {
    id: 'app.lifespan.startup',
    title: 'lifespan.startup is answered with exactly one of startup.complete and startup.failed',
    requirements: ['LS-6', 'LS-7'],
    needs: 'lifespan',
    async run(context) {
      const outcome = await context.environment.session.startup();
      if (outcome.kind === 'broken') failWith(outcome.finding, 'lifespan');
    },
  },
]);

/** The case run last: the lifespan ends after every request. */
export const lifespanShutdownCases = defineGroup<AppContext>('app.lifespan', [
  {
    id: 'app.lifespan.shutdown',
    title:
      'lifespan.shutdown is answered with exactly one of shutdown.complete and shutdown.failed',
    requirements: ['LS-6', 'LS-7', 'APP-1'],
    needs: 'lifespan',
    // As on a server, shutdown comes once every request has finished.
    exclusive: true,
    async run(context) {
      const outcome = await context.environment.session.shutdown();
      if (outcome.kind === 'not-started') throw new Unsupported(outcome.why);
      if (outcome.kind === 'broken') failWith(outcome.finding, 'lifespan');
    },
  },
]);
