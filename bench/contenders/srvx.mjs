/**
 * srvx (a fetch-handler server; it has no router): the hand-written matcher of
 * `lib/match.mjs`, with srvx's `FastURL` and `FastResponse`, its fast paths on Node.
 */
import { FastResponse, FastURL, serve } from 'srvx';
import { announce, HOST, PORT } from '../lib/contender-runtime.mjs';
import { compileMatcher } from '../lib/match.mjs';
import {
  JSON_MESSAGE,
  PLAINTEXT,
  ROUTES,
  routeResponder,
  streamChunksWeb,
} from '../lib/workload.mjs';

const match = compileMatcher(ROUTES, routeResponder);
const TEXT = { 'content-type': 'text/plain; charset=utf-8' };
const JSON_TYPE = { 'content-type': 'application/json' };

function text(body) {
  return new FastResponse(body, { headers: TEXT });
}

function json(value) {
  return new FastResponse(JSON.stringify(value), { headers: JSON_TYPE });
}

const server = serve({
  hostname: HOST,
  port: PORT,
  silent: true,
  gracefulShutdown: false,
  fetch(request) {
    const path = new FastURL(request.url).pathname;
    if (request.method === 'GET') {
      if (path === '/plaintext') return text(PLAINTEXT);
      if (path === '/json') return json({ message: JSON_MESSAGE });
      if (path === '/stream') {
        return new FastResponse(streamChunksWeb(), {
          headers: { 'content-type': 'application/octet-stream' },
        });
      }
      const hit = match(path);
      if (hit !== null) return text(hit.value(hit.params));
    } else if (request.method === 'POST' && path === '/echo') {
      return request.json().then(json);
    }
    return new FastResponse(null, { status: 404 });
  },
});

await server.ready();
announce(server.node.server.address().port);
