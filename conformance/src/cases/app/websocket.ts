/**
 * WebSocket sessions (spec section 4), on the run's WebSocket targets. The
 * handshake cases judge whatever answer the application gives; the session
 * cases need a target where it accepts, and are `skipped-unsupported`
 * without one: an application need not serve WebSockets.
 *
 * @module
 */

import type { AppContext } from '../../app/context.js';
import {
  refusal,
  type WebSocketPlan,
  type WebSocketRun,
  type WebSocketScript,
} from '../../app/websocket-driver.js';
import { defineGroup, Unsupported } from '../../case.js';

/** How long the client waits for the application's answers to its messages. */
const REPLY_WINDOW_MS = 150;

/** Subprotocols no application knows. */
const UNKNOWN_SUBPROTOCOLS = ['conformance.v2', 'conformance.v1'];

const talk: WebSocketScript = async (client) => {
  client.socket.sendText('tsgi-conformance');
  client.socket.sendBytes(new Uint8Array([0, 1, 2, 253, 254, 255]));
  client.socket.sendText('');
  await client.collect(REPLY_WINDOW_MS);
  client.socket.close(1000, 'done');
};

const dropMidSession: WebSocketScript = async (client) => {
  client.socket.sendText('tsgi-conformance');
  client.socket.disconnect(1006);
};

const goAway: WebSocketScript = async (client) => {
  client.socket.sendText('tsgi-conformance');
  await client.collect(20);
  client.socket.close(1001, 'going away');
};

const readSlowly: WebSocketScript = async (client) => {
  const { socket } = client;
  socket.pauseTransport();
  const timer = setInterval(() => {
    socket.resumeTransport();
    socket.pauseTransport();
  }, 25);
  try {
    for (let i = 0; i < 4; i++) socket.sendText(`message ${i}`);
    await client.collect(REPLY_WINDOW_MS * 2);
  } finally {
    clearInterval(timer);
    socket.resumeTransport();
  }
  socket.close(1000);
};

/** Runs `plan` on every WebSocket target where the application accepts connections. */
async function everyAccepted(
  context: AppContext,
  plan: (path: string) => WebSocketPlan,
): Promise<void> {
  for (const path of await context.acceptedWebSocketPaths()) {
    await context.checkedWebSocket(plan(path));
  }
}

/**
 * Runs `plan` on every WebSocket target; when the application refused them
 * all without breaking a rule, the case is skipped.
 */
async function everyTarget(
  context: AppContext,
  plan: (path: string) => WebSocketPlan,
): Promise<void> {
  const refusals: string[] = [];
  const runs: WebSocketRun[] = [];
  for (const path of context.settings.wsPaths) {
    const run = await context.checkedWebSocket(plan(path));
    runs.push(run);
    const why = refusal(run);
    if (why !== null) refusals.push(`${path}: ${why}`);
  }
  if (refusals.length === runs.length) {
    throw new Unsupported(
      `the app accepted no WebSocket connection (${refusals.join('; ')}); name a WebSocket route with --ws-path`,
    );
  }
}

/** The cases of the `app.websocket` group. */
export const websocketCases = defineGroup<AppContext>('app.websocket', [
  {
    id: 'app.websocket.handshake',
    title: 'the handshake is answered with accept, close or a denial response before any message',
    requirements: ['WS-ACCEPT-1', 'WS-ACCEPT-2', 'EXT-WSDENY-1'],
    async run(context) {
      await everyTarget(context, (path) => ({ path }));
    },
  },
  {
    id: 'app.websocket.denial-not-advertised',
    title: 'without websocket.http.response advertised, no denial response events',
    requirements: ['EXT-WSDENY-1', 'EXT-1'],
    async run(context) {
      await everyTarget(context, (path) => ({
        path,
        extensions: {},
        note: 'advertising no extension',
      }));
    },
  },
  {
    id: 'app.websocket.subprotocols',
    title: 'a chosen subprotocol is one the client offered',
    requirements: ['WS-ACCEPT-2'],
    needs: 'websocket',
    async run(context) {
      await everyAccepted(context, (path) => ({ path, subprotocols: UNKNOWN_SUBPROTOCOLS }));
    },
  },
  {
    id: 'app.websocket.messages',
    title:
      'messages carry exactly one of text and bytes, close codes are valid, nothing after close',
    requirements: ['WS-SEND-1', 'WS-CLOSE-2', 'WS-ORDER-1'],
    needs: 'websocket',
    async run(context) {
      await everyAccepted(context, (path) => ({ path, script: talk, note: 'exchanging messages' }));
    },
  },
  {
    id: 'app.websocket.client-gone',
    title: 'after websocket.disconnect the application sends nothing but close, and settles',
    requirements: ['WS-ORDER-1'],
    needs: 'websocket',
    async run(context) {
      await everyAccepted(context, (path) => ({
        path,
        script: dropMidSession,
        note: 'dropped mid-session',
      }));
      await everyAccepted(context, (path) => ({
        path,
        script: goAway,
        note: 'closed by the client with 1001',
      }));
    },
  },
  {
    id: 'app.websocket.slow-client',
    title: 'with a slow client, the application awaits each send() before the next',
    requirements: ['APP-4'],
    needs: 'websocket',
    async run(context) {
      await everyAccepted(context, (path) => ({
        path,
        script: readSlowly,
        note: 'read slowly',
      }));
    },
  },
]);
