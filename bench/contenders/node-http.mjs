/**
 * The ceiling: a bare `node:http` request handler, no framework. Routing is
 * the hand-written matcher of `lib/match.mjs`.
 */
import { createServer } from 'node:http';
import { announce, HOST, PORT, readNodeBody } from '../lib/contender-runtime.mjs';
import { compileMatcher } from '../lib/match.mjs';
import {
  JSON_MESSAGE,
  PLAINTEXT,
  ROUTES,
  routeResponder,
  STREAM_CHUNK,
  STREAM_CHUNKS,
} from '../lib/workload.mjs';

const match = compileMatcher(ROUTES, routeResponder);

/** Writes the 1 MiB body chunk by chunk, waiting for `drain` when the socket is full. */
function writeStream(res, sent) {
  while (sent < STREAM_CHUNKS) {
    sent++;
    if (!res.write(STREAM_CHUNK) && sent < STREAM_CHUNKS) {
      res.once('drain', () => writeStream(res, sent));
      return;
    }
  }
  res.end();
}

function notFound(res) {
  res.statusCode = 404;
  res.end();
}

const server = createServer((req, res) => {
  const url = req.url;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (req.method === 'GET') {
    if (path === '/plaintext') {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(PLAINTEXT);
    } else if (path === '/json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ message: JSON_MESSAGE }));
    } else if (path === '/stream') {
      res.setHeader('content-type', 'application/octet-stream');
      writeStream(res, 0);
    } else {
      const hit = match(path);
      if (hit === null) return notFound(res);
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(hit.value(hit.params));
    }
  } else if (req.method === 'POST' && path === '/echo') {
    readNodeBody(req).then(
      (body) => {
        const value = JSON.parse(body.toString('utf8'));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(value));
      },
      () => res.destroy(),
    );
  } else {
    notFound(res);
  }
});

server.listen(PORT, HOST, () => announce(server.address().port));
