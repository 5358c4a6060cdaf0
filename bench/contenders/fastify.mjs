/** Fastify with its own router (find-my-way) and its default JSON body parser. */
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { announce, HOST, PORT } from '../lib/contender-runtime.mjs';
import { JSON_MESSAGE, PLAINTEXT, ROUTES, routeResponder, streamChunks } from '../lib/workload.mjs';

const app = Fastify({ logger: false });

app.get('/plaintext', (_request, reply) => {
  reply.type('text/plain; charset=utf-8').send(PLAINTEXT);
});
app.get('/json', (_request, reply) => {
  reply.send({ message: JSON_MESSAGE });
});
for (const route of ROUTES) {
  const respond = routeResponder(route);
  app.get(route.colon, (request, reply) => {
    reply.type('text/plain; charset=utf-8').send(respond(request.params));
  });
}
app.post('/echo', (request, reply) => {
  reply.send(request.body);
});
app.get('/stream', (_request, reply) => {
  reply.type('application/octet-stream').send(Readable.from(streamChunks()));
});

await app.listen({ host: HOST, port: PORT });
announce(app.server.address().port);
