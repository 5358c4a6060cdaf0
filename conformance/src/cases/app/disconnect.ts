/**
 * Clients that leave (spec section 3.10): before the body, in the middle of
 * it, after the response started, in the middle of the body, and while the
 * application waits on a client that reads nothing. The application learns
 * of it from `receive()` (`http.disconnect`) or from `send()`
 * (`ClientDisconnectedError`); it must then send no more response events,
 * stop calling, and settle. The client leaves even from an application that
 * never reads: then the response just has to be valid.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import { defineGroup } from '../../case.js';
import { everyPath, PIECE_SIZE, pieces } from './helpers.js';

/** How long a client that waits for the application to read stays before it leaves anyway. */
const LEAVE_AFTER_MS = 150;

/** The cases of the `app.disconnect` group. */
export const disconnectCases = defineGroup<AppContext>('app.disconnect', [
  {
    id: 'app.disconnect.mid-body',
    title: 'the client leaves before or in the middle of the request body',
    requirements: ['HTTP-DISC-5'],
    async run(context) {
      await everyPath(context, (path) => [
        {
          path,
          method: 'POST',
          body: pieces(),
          disconnect: 'before-body',
          note: 'that leaves before the body',
        },
        {
          path,
          method: 'POST',
          body: pieces(),
          disconnect: { afterBytes: 3 * PIECE_SIZE + 7 },
          leaveAfterMs: LEAVE_AFTER_MS,
          watchLate: true,
          note: 'that leaves in the middle of a chunked body',
        },
        {
          path,
          method: 'PUT',
          headers: [['content-length', String(16 * PIECE_SIZE)]],
          body: pieces(16),
          disconnect: { afterBytes: PIECE_SIZE },
          leaveAfterMs: LEAVE_AFTER_MS,
          note: 'that leaves in the middle of a sized body',
        },
      ]);
    },
  },
  {
    id: 'app.disconnect.mid-response',
    title: 'the client leaves after the response started, or in the middle of its body',
    requirements: ['HTTP-DISC-5'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, disconnect: 'after-start', watchLate: true, note: 'that leaves after the start' },
        {
          path,
          disconnect: { afterResponseBytes: 1 },
          watchLate: true,
          note: 'that leaves after the first body byte',
        },
        {
          path,
          method: 'POST',
          body: pieces(4),
          disconnect: 'after-body',
          note: 'that leaves once it sent the body',
        },
      ]);
    },
  },
  {
    id: 'app.disconnect.stalled-client',
    title: 'the client reads nothing and leaves while a send() waits on it',
    requirements: ['HTTP-DISC-5', 'APP-4'],
    async run(context) {
      await everyPath(context, (path) => [
        {
          path,
          stalled: true,
          leaveAfterMs: LEAVE_AFTER_MS,
          watchLate: true,
          note: 'that reads nothing, then leaves',
        },
      ]);
    },
  },
]);
