import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientDisconnectedError, ProtocolError } from 'tsgi';
import {
  deferred,
  fieldOf,
  handshakeRequest,
  openClient,
  rawExchange,
  startServer,
  statusOf,
} from './websocket-support.js';

describe('WebSocket denial', { timeout: 20_000 }, () => {
  it('[WS-CLOSE-1] a close before accept denies the handshake with 403', async () => {
    const sent = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      sent.resolve(await send({ type: 'websocket.close', code: 4000, reason: 'ignored' }));
    });
    try {
      const client = openClient(server.url);
      const refused = await client.refused;
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.connection, 'close');
      assert.equal(await sent.promise, undefined);
    } finally {
      await server.close();
    }
  });

  it('[WS-CLOSE-1] receive() after a 403 denial gives websocket.disconnect 1006', async () => {
    const after = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.close' });
      after.resolve(await receive());
    });
    try {
      openClient(server.url);
      assert.deepEqual(await after.promise, {
        type: 'websocket.disconnect',
        code: 1006,
        reason: '',
      });
    } finally {
      await server.close();
    }
  });

  it('[EXT-WSDENY-2] answers with the denial response the app sent, body in pieces', async () => {
    const server = await startServer(async (scope, receive, send) => {
      await receive();
      assert.ok(scope.type === 'websocket' && scope.extensions['websocket.http.response']);
      await send({
        type: 'websocket.http.response.start',
        status: 401,
        headers: [
          ['content-type', 'text/plain'],
          ['www-authenticate', 'Bearer'],
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ],
      });
      await send({ type: 'websocket.http.response.body', body: 'denied ', moreBody: true });
      await send({
        type: 'websocket.http.response.body',
        body: new TextEncoder().encode('by the app'),
      });
    });
    try {
      const response = await rawExchange(server.port, handshakeRequest('/deny'));
      assert.equal(statusOf(response), 401);
      const head = response.slice(0, response.indexOf('\r\n\r\n'));
      assert.equal(fieldOf(head, 'www-authenticate'), 'Bearer');
      assert.equal(fieldOf(head, 'transfer-encoding'), 'chunked');
      assert.equal(head.split('\r\n').filter((line) => line.startsWith('set-cookie:')).length, 2);
      const body = response.slice(response.indexOf('\r\n\r\n') + 4);
      assert.equal(body, '7\r\ndenied \r\na\r\nby the app\r\n0\r\n\r\n');
    } finally {
      await server.close();
    }
  });

  it('[EXT-WSDENY-2] a whole body in one event goes out with content-length', async () => {
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({
        type: 'websocket.http.response.start',
        status: 429,
        headers: [['x-deny', 'yes']],
      });
      await send({ type: 'websocket.http.response.body', body: 'slow down' });
    });
    try {
      const client = openClient(server.url);
      const refused = await client.refused;
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['x-deny'], 'yes');
      assert.equal(refused.headers['content-length'], '9');
      assert.equal(refused.body, 'slow down');
    } finally {
      await server.close();
    }
  });

  it('[EXT-WSDENY-2] an app that returns with the denial body unfinished gets the response aborted', async () => {
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({
        type: 'websocket.http.response.start',
        status: 401,
        headers: [['content-length', '10']],
      });
      await send({ type: 'websocket.http.response.body', body: 'half', moreBody: true });
    });
    try {
      const response = await rawExchange(server.port, handshakeRequest('/deny'));
      assert.equal(statusOf(response), 401);
      // Fewer bytes than content-length: the client sees a cut-off response.
      assert.equal(response.slice(response.indexOf('\r\n\r\n') + 4), 'half');
      assert.equal(server.errors().length, 1);
      assert.match(server.errors()[0]!, /application/);
    } finally {
      await server.close();
    }
  });

  it('[EXT-WSDENY-1] rejects a denial event after accept with a ProtocolError', async () => {
    const outcome = deferred<unknown>();
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      try {
        await send({ type: 'websocket.http.response.start', status: 401 });
        outcome.resolve('sent');
      } catch (error) {
        outcome.resolve(error);
      }
    });
    try {
      const client = openClient(server.url);
      const error = await outcome.promise;
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.requirement, 'EXT-WSDENY-1');
      // The app broke a rule after accept: the connection closes with 1011 (WS-FAIL-1).
      assert.equal((await client.closed).code, 1011);
    } finally {
      await server.close();
    }
  });

  it('[WS-SERVER-2] an app that returns before answering gets the handshake denied with 403', async () => {
    const server = await startServer(async (_scope, receive) => {
      await receive();
    });
    try {
      const refused = await openClient(server.url).refused;
      assert.equal(refused.status, 403);
      assert.deepEqual(server.errors(), []);
    } finally {
      await server.close();
    }
  });

  it('[WS-FAIL-1] an app that throws before accept gets a 500 that reveals nothing', async () => {
    const server = await startServer(async (_scope, receive) => {
      await receive();
      throw new Error('secret database password in /srv/app.js');
    });
    try {
      const refused = await openClient(server.url).refused;
      assert.equal(refused.status, 500);
      assert.doesNotMatch(refused.body, /secret|app\.js/);
      const errors = server.errors();
      assert.equal(errors.length, 1);
      assert.match(server.log.lines.join('\n'), /secret database password/);
    } finally {
      await server.close();
    }
  });

  it('[WS-FAIL-1] a synchronous throw counts as a throw before accept', async () => {
    const server = await startServer(() => {
      throw new Error('sync failure');
    });
    try {
      assert.equal((await openClient(server.url).refused).status, 500);
    } finally {
      await server.close();
    }
  });

  it('[HTTP-DISC-4] a ClientDisconnectedError from the app is not logged as an error', async () => {
    const server = await startServer(async (_scope, receive, send) => {
      await receive();
      await send({ type: 'websocket.accept' });
      const event = await receive();
      assert.equal(event.type, 'websocket.disconnect');
      throw new ClientDisconnectedError();
    });
    try {
      const client = openClient(server.url);
      await client.opened;
      client.ws.terminate();
      await client.closed;
      await server.registry.drained();
      assert.deepEqual(server.errors(), []);
      assert.ok(
        server.log.lines.some(
          (line) => line.includes('[DEBUG]') && line.includes('client disconnected'),
        ),
      );
    } finally {
      await server.close();
    }
  });
});
