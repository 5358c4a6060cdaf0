/**
 * The response of spec section 3.5: one start with a valid status and
 * headers, body events after it, nothing after the end, a `content-length`
 * that tells the truth, and no body for HEAD, 204 and 304. Any status is a
 * valid answer: the cases judge the events, not the application's routes.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import { defineGroup } from '../../case.js';
import { everyPath, JSON_BODY, JSON_HEADERS, pieces } from './helpers.js';

/** A date no resource was modified after. */
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';

/** The cases of the `app.http` group. */
export const httpCases = defineGroup<AppContext>('app.http', [
  {
    id: 'app.http.get',
    title: 'a GET is answered with one start, then body events, then nothing',
    requirements: ['HTTP-RESP-1', 'HTTP-RESP-2', 'HTTP-RESP-4', 'HTTP-RESP-5', 'HTTP-FAIL-5'],
    async run(context) {
      await everyPath(context, (path) => [{ path }]);
    },
  },
  {
    id: 'app.http.head',
    title: 'a HEAD is answered without body bytes, ending with an empty body event',
    requirements: ['HTTP-RESP-8', 'HTTP-RESP-7'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, method: 'HEAD' },
        { path, method: 'HEAD', httpVersion: '1.0' },
      ]);
    },
  },
  {
    id: 'app.http.conditional',
    title: 'conditional requests, which may be answered 304 without a body',
    requirements: ['HTTP-RESP-8', 'HTTP-RESP-7'],
    async run(context) {
      for (const path of context.paths) {
        const first = await context.checkedHttp({ path });
        const etag = first.response?.header('etag');
        const modified = first.response?.header('last-modified');
        await context.checkedHttp({ path, headers: [['if-none-match', '*']] });
        await context.checkedHttp({ path, headers: [['if-modified-since', FUTURE]] });
        if (etag !== undefined) {
          await context.checkedHttp({ path, headers: [['if-none-match', etag]] });
          await context.checkedHttp({ path, method: 'HEAD', headers: [['if-none-match', etag]] });
        }
        if (modified !== undefined) {
          await context.checkedHttp({ path, headers: [['if-modified-since', modified]] });
        }
      }
    },
  },
  {
    id: 'app.http.methods',
    title: 'requests of every common method are answered with a valid response',
    requirements: ['HTTP-RESP-1', 'HTTP-RESP-4', 'HTTP-FAIL-5'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, method: 'POST', headers: JSON_HEADERS, body: JSON_BODY },
        { path, method: 'PUT', headers: JSON_HEADERS, body: JSON_BODY },
        { path, method: 'PATCH', headers: JSON_HEADERS, body: JSON_BODY },
        { path, method: 'DELETE' },
        { path, method: 'OPTIONS' },
        { path, method: 'QUERY', headers: JSON_HEADERS, body: JSON_BODY },
      ]);
    },
  },
  {
    id: 'app.http.headers',
    title:
      'response headers are lowercase tokens with valid values, content-length set once and kept',
    requirements: ['HTTP-RESP-3', 'HTTP-RESP-7'],
    async run(context) {
      await everyPath(context, (path) => [
        {
          path,
          headers: [
            ['accept', '*/*'],
            ['accept-encoding', 'gzip, deflate, br'],
            ['accept-language', 'de-CH, en;q=0.5'],
            ['user-agent', 'tsgi-conformance'],
            ['cookie', 'session=abc; theme=dark'],
          ],
        },
        { path, httpVersion: '2' },
        { path, httpVersion: '1.0' },
        { path, scheme: 'https' },
        { path, method: 'POST', headers: [['content-type', 'text/plain']], body: 'hello' },
      ]);
    },
  },
  {
    id: 'app.http.order',
    title: 'no event follows the end of the response, not even after the application settled',
    requirements: ['HTTP-RESP-5', 'HTTP-RESP-6'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, watchLate: true },
        { path, method: 'HEAD', watchLate: true },
        { path, method: 'POST', body: pieces(4), watchLate: true },
      ]);
    },
  },
  {
    id: 'app.http.streamed-response',
    title: 'a response read slowly, streamed or not, ends once and keeps its length',
    requirements: ['HTTP-RESP-5', 'HTTP-RESP-7', 'HTTP-FAIL-5'],
    async run(context) {
      await everyPath(context, (path) => [
        { path, slow: true, note: 'read slowly' },
        { path, headers: [['accept', 'text/event-stream']], slow: true, note: 'read slowly' },
      ]);
    },
  },
]);
