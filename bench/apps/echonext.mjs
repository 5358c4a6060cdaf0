/**
 * The echonext application of the benchmark, written as a user would: views
 * return strings and objects, the 100 routes go through echonext's router.
 * The `echonext` contender serves it with `serve()`; it runs as well under
 * the CLI: `tsgi serve bench/apps/echonext.mjs:app --no-access-log`.
 */
import { EchoNext, stream } from 'echonext';
import { JSON_MESSAGE, PLAINTEXT, ROUTES, routeResponder, streamChunks } from '../lib/workload.mjs';

/** The application. */
export const app = new EchoNext();

app.get('/plaintext', () => PLAINTEXT);
app.get('/json', () => ({ message: JSON_MESSAGE }));
for (const route of ROUTES) {
  const respond = routeResponder(route);
  app.get(route.brace, (request) => respond(request.params));
}
app.post('/echo', (request) => request.json());
app.get('/stream', () => stream(streamChunks(), { contentType: 'application/octet-stream' }));
