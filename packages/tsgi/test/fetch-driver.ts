// A small scripted TSGI server for the fetch bridge tests: it calls an
// application with a scope, answers receive() from a script, and records
// every event the application sends.
import { ClientDisconnectedError } from '../src/errors.js';
import type {
  Application,
  HeaderList,
  HttpReceiveEvent,
  HttpResponseBodyEvent,
  HttpResponseStartEvent,
  HttpScope,
  ReceiveEvent,
  SendEvent,
} from '../src/types.js';

/** Builds an HTTP scope with sensible defaults. */
export function httpScope(overrides: Partial<HttpScope> = {}): HttpScope {
  return {
    type: 'http',
    tsgi: { version: '1.0' },
    httpVersion: '1.1',
    method: 'GET',
    scheme: 'http',
    path: '/',
    rawPath: '/',
    queryString: '',
    rootPath: '',
    headers: [['host', 'example.test']],
    client: { host: '192.0.2.7', port: 50123 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    ...overrides,
  };
}

export interface DriverOptions {
  /** Request body pieces; each becomes an http.request with moreBody true, then a final empty one. */
  body?: Uint8Array[] | (() => Uint8Array | null);
  /** When set, send() of body events waits for release() before resolving. */
  gateSends?: boolean;
}

/**
 * Plays the server. `receive` gives the body pieces, then waits until the
 * response is complete or `disconnect()` is called, then gives http.disconnect
 * on every call (HTTP-DISC-1, HTTP-DISC-3). `send` records events and rejects
 * with ClientDisconnectedError after `disconnect()`.
 */
export class ScriptedServer {
  readonly sent: SendEvent[] = [];
  receiveCalls = 0;
  /** send() calls made after the app was given http.disconnect or a rejected send. */
  sendsAfterGone = 0;
  gone = false;
  complete = false;
  private readonly next: () => Uint8Array | null;
  private bodyEnded: boolean;
  private readonly waiters: Array<() => void> = [];
  private readonly gated: boolean;
  private readonly gate: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(options: DriverOptions = {}) {
    const body = options.body;
    if (body === undefined) {
      this.next = () => null;
    } else if (Array.isArray(body)) {
      let index = 0;
      this.next = () => (index < body.length ? body[index++]! : null);
    } else {
      this.next = body;
    }
    this.bodyEnded = false;
    this.gated = options.gateSends === true;
  }

  readonly receive = async (): Promise<ReceiveEvent> => {
    this.receiveCalls++;
    if (this.gone || this.complete) return { type: 'http.disconnect' };
    if (!this.bodyEnded) {
      const piece = this.next();
      if (piece !== null) return { type: 'http.request', body: piece, moreBody: true };
      this.bodyEnded = true;
      return { type: 'http.request', body: new Uint8Array(0), moreBody: false };
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    return { type: 'http.disconnect' };
  };

  readonly send = async (event: SendEvent): Promise<void> => {
    if (this.gone) {
      this.sendsAfterGone++;
      throw new ClientDisconnectedError();
    }
    this.sent.push(event);
    if (event.type === 'http.response.body' && event.moreBody !== true) {
      this.complete = true;
      this.wake();
    }
    if (this.gated && event.type === 'http.response.body') {
      await new Promise<void>((resolve, reject) => this.gate.push({ resolve, reject }));
    }
  };

  /** Lets every gated send resolve. */
  release(): void {
    for (const entry of this.gate.splice(0)) entry.resolve();
  }

  /** Number of sends waiting at the gate. */
  get waiting(): number {
    return this.gate.length;
  }

  /** The client goes away. */
  disconnect(): void {
    this.gone = true;
    this.wake();
    for (const entry of this.gate.splice(0)) entry.reject(new ClientDisconnectedError());
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Calls the application with this server's receive and send. */
  run(app: Application, scope: HttpScope): Promise<void> {
    return app(scope, this.receive, this.send);
  }

  /** The http.response.start event, which must have been sent. */
  get start(): HttpResponseStartEvent {
    const event = this.sent.find((e) => e.type === 'http.response.start');
    if (event === undefined) throw new Error('no http.response.start was sent');
    return event as HttpResponseStartEvent;
  }

  /** The http.response.body events. */
  get bodies(): HttpResponseBodyEvent[] {
    return this.sent.filter((e) => e.type === 'http.response.body') as HttpResponseBodyEvent[];
  }

  /** The response body as text. */
  get text(): string {
    const decoder = new TextDecoder();
    let text = '';
    for (const event of this.bodies) {
      const body = event.body;
      text +=
        typeof body === 'string'
          ? body
          : decoder.decode(body ?? new Uint8Array(0), { stream: true });
    }
    return text + decoder.decode();
  }

  /** All values of a response header, in order. */
  header(name: string): string[] {
    const headers: HeaderList = this.start.headers ?? [];
    return headers.filter(([n]) => n === name).map(([, v]) => v);
  }
}

/** Resolves with true when `promise` is still pending after `ms` milliseconds. */
export async function stillPending(promise: Promise<unknown>, ms = 30): Promise<boolean> {
  const marker = Symbol('pending');
  const outcome = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((resolve) => setTimeout(resolve, ms, marker)),
  ]);
  return outcome === marker;
}

/** Encodes text as UTF-8. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Narrows a received event to an http.request. */
export function asRequest(event: HttpReceiveEvent | ReceiveEvent): {
  body: Uint8Array;
  moreBody: boolean;
} {
  if (event.type !== 'http.request') throw new Error(`expected http.request, got ${event.type}`);
  return event;
}
