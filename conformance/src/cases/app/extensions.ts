/**
 * Extensions (spec sections 3.6 and 6): the application sends an extension
 * event, or sets `trailers: true`, only where `scope.extensions` advertises
 * it, and then in the order the extension prescribes.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import { defineGroup, Unsupported } from '../../case.js';
import { everyPath, JSON_BODY, JSON_HEADERS, sentTypes } from './helpers.js';

const TE_TRAILERS: [string, string][] = [['te', 'trailers']];

/** The cases of the `app.extensions` group. */
export const extensionCases = defineGroup<AppContext>('app.extensions', [
  {
    id: 'app.extensions.not-advertised',
    title: 'without advertised extensions, no early hints, trailers or file events',
    requirements: ['EXT-1'],
    async run(context) {
      const none = { extensions: {}, headers: TE_TRAILERS, note: 'advertising no extension' };
      await everyPath(context, (path) => [
        { path, ...none },
        { path, method: 'HEAD', ...none },
        {
          path,
          method: 'POST',
          ...none,
          headers: [...TE_TRAILERS, ...JSON_HEADERS],
          body: JSON_BODY,
        },
      ]);
    },
  },
  {
    id: 'app.extensions.advertised',
    title: 'advertised early hints, trailers and file responses are used in their order',
    requirements: ['EXT-HINTS-1', 'EXT-TRAILERS-2', 'EXT-FILE-1'],
    async run(context) {
      const every = { headers: TE_TRAILERS, note: 'advertising every extension' };
      const runs = await everyPath(context, (path) => [
        { path, ...every },
        { path, method: 'HEAD', ...every },
        { path, ...every, slow: true, note: 'advertising every extension, read slowly' },
      ]);
      const types = sentTypes(runs);
      const promisedTrailers = runs.some((run) =>
        run.observer.sent.some(
          (event) => (event as { trailers?: unknown } | null)?.trailers === true,
        ),
      );
      const used = [
        'http.response.earlyHints',
        'http.response.trailers',
        'http.response.file',
      ].filter((type) => types.has(type));
      if (used.length === 0 && !promisedTrailers) {
        throw new Unsupported(
          'the app used none of http.response.earlyHints, trailers and http.response.file where they were advertised',
        );
      }
    },
  },
]);
