/**
 * Test fixtures for requests and responses: a scope builder, a scripted
 * `receive` that counts its calls, and a `send` that records events.
 */
import type {
  HttpReceiveEvent,
  HttpResponseBodyEvent,
  HttpResponseStartEvent,
  HttpScope,
  HttpSendEvent,
} from 'tsgi';

/** Builds an HTTP scope; fields given override the defaults. */
export function httpScope(fields: Partial<HttpScope> = {}): HttpScope {
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
    client: { host: '127.0.0.1', port: 50000 },
    server: { host: '127.0.0.1', port: 8000 },
    extensions: {},
    ...fields,
  };
}

/** One scripted step: a body piece (last when `more` is false), or the client leaving. */
export type Step = { body: Uint8Array | string; more: boolean } | 'disconnect' | { type: string };

/** A `receive` that plays `steps` in order, then reports `http.disconnect` forever (HTTP-DISC-3). */
export function scriptedReceive(steps: Step[]): {
  receive: () => Promise<HttpReceiveEvent>;
  readonly calls: number;
} {
  let calls = 0;
  const encoder = new TextEncoder();
  return {
    receive: async () => {
      const step = steps[calls++];
      if (step === undefined || step === 'disconnect') return { type: 'http.disconnect' };
      if (!('body' in step)) return step as unknown as HttpReceiveEvent;
      const body = typeof step.body === 'string' ? encoder.encode(step.body) : step.body;
      return { type: 'http.request', body, moreBody: step.more };
    },
    get calls() {
      return calls;
    },
  };
}

/** A `receive` for a body sent in the given pieces. */
export function bodyReceive(
  ...pieces: (Uint8Array | string)[]
): ReturnType<typeof scriptedReceive> {
  if (pieces.length === 0) return scriptedReceive([{ body: '', more: false }]);
  return scriptedReceive(pieces.map((body, i) => ({ body, more: i < pieces.length - 1 })));
}

/** A `send` that records every event. */
export function collectingSend(): {
  send: (event: HttpSendEvent) => Promise<void>;
  events: HttpSendEvent[];
} {
  const events: HttpSendEvent[] = [];
  return {
    events,
    send: async (event) => {
      events.push(event);
    },
  };
}

/** The start event of a recorded response. */
export function startOf(events: HttpSendEvent[]): HttpResponseStartEvent {
  const start = events[0];
  if (start?.type !== 'http.response.start') throw new Error('the first event is not a start');
  return start;
}

/** The body of a recorded response as text (body events only). */
export function bodyText(events: HttpSendEvent[]): string {
  const decoder = new TextDecoder();
  let text = '';
  for (const event of events) {
    if (event.type !== 'http.response.body') continue;
    const body = (event as HttpResponseBodyEvent).body;
    if (body === undefined) continue;
    text += typeof body === 'string' ? body : decoder.decode(body);
  }
  return text;
}

/** The value of header `name` in a start event's headers, or `undefined`. */
export function header(start: HttpResponseStartEvent, name: string): string | undefined {
  return start.headers?.find(([key]) => key === name)?.[1];
}

/** Every value of header `name` in a start event's headers. */
export function headers(start: HttpResponseStartEvent, name: string): string[] {
  return (start.headers ?? []).filter(([key]) => key === name).map(([, value]) => value);
}
