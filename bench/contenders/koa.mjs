/**
 * Koa 3. Koa has no router and no body parser of its own (they are separate
 * packages), so this uses the hand-written matcher of `lib/match.mjs` and
 * reads the body itself.
 */
import { Readable } from 'node:stream';
import Koa from 'koa';
import { announce, HOST, PORT, readNodeBody } from '../lib/contender-runtime.mjs';
import { compileMatcher } from '../lib/match.mjs';
import { JSON_MESSAGE, PLAINTEXT, ROUTES, routeResponder, streamChunks } from '../lib/workload.mjs';

const match = compileMatcher(ROUTES, routeResponder);
const app = new Koa();

app.use(async (ctx) => {
  const path = ctx.path;
  if (ctx.method === 'GET') {
    if (path === '/plaintext') {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = PLAINTEXT;
    } else if (path === '/json') {
      ctx.body = { message: JSON_MESSAGE };
    } else if (path === '/stream') {
      ctx.type = 'application/octet-stream';
      ctx.body = Readable.from(streamChunks());
    } else {
      const hit = match(path);
      if (hit !== null) {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = hit.value(hit.params);
      }
    }
  } else if (ctx.method === 'POST' && path === '/echo') {
    const body = await readNodeBody(ctx.req);
    ctx.body = JSON.parse(body.toString('utf8'));
  }
});

const server = app.listen(PORT, HOST, () => announce(server.address().port));
