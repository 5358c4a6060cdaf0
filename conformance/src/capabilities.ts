/**
 * Finds out which optional features the server under test offers: the
 * extensions its scopes advertise, WebSocket, and lifespan. Cases that need
 * a feature the server lacks are `skipped-unsupported`.
 *
 * @module
 */

import { openWebSocket } from './clients/websocket.js';
import { decode } from './probe/wire.js';
import { ServerContext, type ServerEnvironment } from './server-context.js';

/** What the server offers. */
export interface Capabilities {
  /** The extension names an HTTP/1.1 scope advertises (the request carried `TE: trailers`). */
  readonly http: readonly string[];
  /** The extension names a WebSocket scope advertises, or `null` without WebSocket support. */
  readonly websocket: readonly string[] | null;
  /** What the WebSocket handshake got, when it did not succeed. */
  readonly websocketProblem: string | null;
  /** Whether the server ran the probe's lifespan. */
  readonly lifespan: boolean;
}

/** Asks the server, through the probe, what it offers. */
export async function detectCapabilities(environment: ServerEnvironment): Promise<Capabilities> {
  const context = new ServerContext(environment);
  try {
    const report = await context.scope({ headers: { te: 'trailers' } });
    const extensions = report.scope.extensions;
    const http =
      extensions !== null && typeof extensions === 'object'
        ? Object.keys(extensions as object)
        : [];
    let websocket: string[] | null = null;
    let websocketProblem: string | null = null;
    try {
      const handshake = await openWebSocket(environment.target, {
        path: context.path('/ws/echo-scope'),
      });
      if (handshake.connection === null) {
        websocketProblem = `the WebSocket handshake got status ${handshake.head.status}`;
      } else {
        const message = await handshake.connection.nextMessage(5000);
        await handshake.connection.close(1000);
        handshake.connection.destroy();
        if (message.kind === 'text') {
          const scope = decode((JSON.parse(message.text) as { scope?: unknown }).scope) as {
            extensions?: unknown;
          };
          websocket =
            scope.extensions !== null && typeof scope.extensions === 'object'
              ? Object.keys(scope.extensions)
              : [];
        } else {
          websocketProblem = `the WebSocket probe sent ${message.kind} instead of its scope`;
        }
      }
    } catch (error) {
      websocketProblem = `the WebSocket handshake failed: ${(error as Error).message}`;
    }
    const facts = await context.lifespanFacts();
    return { http, websocket, websocketProblem, lifespan: Number(facts.calls ?? 0) > 0 };
  } finally {
    await context.dispose();
  }
}

/** Says why the server lacks `capability`, or `null` when it has it. */
export function lackOf(capabilities: Capabilities, capability: string): string | null {
  switch (capability) {
    case 'websocket':
      return capabilities.websocket === null
        ? `the server does not support WebSocket (${capabilities.websocketProblem ?? 'no handshake'})`
        : null;
    case 'lifespan':
      return capabilities.lifespan ? null : 'the server did not run the lifespan protocol';
    case 'websocket.http.response':
      if (capabilities.websocket === null) return 'the server does not support WebSocket';
      return capabilities.websocket.includes(capability)
        ? null
        : 'WebSocket scopes do not advertise websocket.http.response';
    default:
      return capabilities.http.includes(capability)
        ? null
        : `HTTP scopes do not advertise ${capability}`;
  }
}
