/**
 * Request bodies as servers deliver them (spec section 3.4): in many
 * pieces, with or without a declared length, or empty. Whatever the
 * application does with the body, it answers with a valid response and
 * settles only once that response is complete.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import { defineGroup } from '../../case.js';
import { everyPath, PIECE_SIZE, PIECES, pieces } from './helpers.js';

const REQUIREMENTS = ['HTTP-RESP-4', 'HTTP-RESP-5', 'HTTP-FAIL-5'];

/** The cases of the `app.request-body` group. */
export const requestBodyCases = defineGroup<AppContext>('app.request-body', [
  {
    id: 'app.request-body.many-chunks',
    title: `a chunked body in ${PIECES} pieces is answered with a valid response`,
    requirements: REQUIREMENTS,
    async run(context) {
      await everyPath(context, (path) => [
        { path, method: 'POST', body: pieces(), note: `with a chunked body in ${PIECES} pieces` },
        {
          path,
          method: 'PUT',
          headers: [['content-type', 'application/octet-stream']],
          body: pieces(PIECES, 1),
          note: `with a chunked body in ${PIECES} one-byte pieces`,
        },
      ]);
    },
  },
  {
    id: 'app.request-body.sized',
    title: 'a body with content-length, delivered in pieces, is answered with a valid response',
    requirements: REQUIREMENTS,
    async run(context) {
      const body = pieces(16);
      const length = String(16 * PIECE_SIZE);
      await everyPath(context, (path) => [
        {
          path,
          method: 'POST',
          headers: [
            ['content-type', 'text/plain'],
            ['content-length', length],
          ],
          body,
          note: `with content-length ${length} in 16 pieces`,
        },
      ]);
    },
  },
  {
    id: 'app.request-body.empty',
    title: 'an empty body, declared or not, is answered with a valid response',
    requirements: REQUIREMENTS,
    async run(context) {
      await everyPath(context, (path) => [
        { path, method: 'POST', headers: [['content-length', '0']], note: 'with content-length 0' },
        { path, method: 'POST', body: [], note: 'with an empty chunked body' },
        { path, method: 'POST', httpVersion: '2', note: 'without a body' },
      ]);
    },
  },
]);
