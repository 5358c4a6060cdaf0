/** Hono on `@hono/node-server`, with Hono's default router (SmartRouter: RegExpRouter, TrieRouter). */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, HOST, PORT } from '../lib/contender-runtime.mjs';
import {
  JSON_MESSAGE,
  PLAINTEXT,
  ROUTES,
  routeResponder,
  streamChunksWeb,
} from '../lib/workload.mjs';

const app = new Hono();

app.get('/plaintext', (c) => c.text(PLAINTEXT));
app.get('/json', (c) => c.json({ message: JSON_MESSAGE }));
for (const route of ROUTES) {
  const respond = routeResponder(route);
  app.get(route.colon, (c) => c.text(respond(c.req.param())));
}
app.post('/echo', async (c) => c.json(await c.req.json()));
app.get('/stream', (c) => {
  c.header('content-type', 'application/octet-stream');
  return c.body(streamChunksWeb());
});

serve({ fetch: app.fetch, hostname: HOST, port: PORT }, (info) => announce(info.port));
