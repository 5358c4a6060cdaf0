/** Express 5 with its own router and `express.json()`, default settings (ETag, X-Powered-By). */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { announce, HOST, PORT } from '../lib/contender-runtime.mjs';
import { JSON_MESSAGE, PLAINTEXT, ROUTES, routeResponder, streamChunks } from '../lib/workload.mjs';

const app = express();

app.get('/plaintext', (_req, res) => {
  res.type('text/plain').send(PLAINTEXT);
});
app.get('/json', (_req, res) => {
  res.json({ message: JSON_MESSAGE });
});
for (const route of ROUTES) {
  const respond = routeResponder(route);
  app.get(route.colon, (req, res) => {
    res.type('text/plain').send(respond(req.params));
  });
}
app.post('/echo', express.json(), (req, res) => {
  res.json(req.body);
});
app.get('/stream', (_req, res) => {
  res.type('application/octet-stream');
  pipeline(Readable.from(streamChunks()), res).catch(() => {});
});

const server = app.listen(PORT, HOST, (error) => {
  if (error) throw error;
  announce(server.address().port);
});
