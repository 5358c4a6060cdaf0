/**
 * The HTTP state tables, as data: what the app may send in each state of the
 * response, what the server may give in each state of the request, and, for
 * each move the table lacks, the rule it breaks. `HttpExchange` looks
 * every event up here, so these tables and the spec's can be read side by side.
 *
 * @module
 */

import { ProtocolError } from '../errors.js';

/**
 * The response side of an exchange:
 *
 * - `before-start`: nothing sent yet, or only early hints.
 * - `body`: started; body events until one ends the body.
 * - `body-trailers`: started with `trailers: true`; body events, then trailers.
 * - `trailers`: the body ended; the promised trailers are due.
 * - `complete`: the response is complete.
 * - `disconnected`: the client left before the response was complete.
 * - `failed`: the app broke a rule, or the transport could not carry out an
 *   action; the response cannot be finished.
 */
export type HttpState =
  | 'before-start'
  | 'body'
  | 'body-trailers'
  | 'trailers'
  | 'complete'
  | 'disconnected'
  | 'failed';

/**
 * An event the app sends, classified by what it does to the response:
 * `start-trailers` is `http.response.start` with `trailers: true`, `body` is
 * `http.response.body` with `moreBody: true` and `body-end` one without.
 */
export type HttpMove =
  | 'early-hints'
  | 'start'
  | 'start-trailers'
  | 'body'
  | 'body-end'
  | 'file'
  | 'trailers';

/**
 * The legal moves of the response side, state by state; anything missing is a
 * `ProtocolError`. In `disconnected` every move is inert (answered with
 * `{ kind: 'disconnected' }`); in `failed` every move throws the first error.
 */
export const HTTP_TRANSITIONS: {
  readonly [S in HttpState]: { readonly [M in HttpMove]?: HttpState };
} = {
  'before-start': {
    'early-hints': 'before-start',
    start: 'body',
    'start-trailers': 'body-trailers',
  },
  body: { body: 'body', 'body-end': 'complete', file: 'complete' },
  'body-trailers': { body: 'body-trailers', 'body-end': 'trailers', file: 'trailers' },
  trailers: { trailers: 'complete' },
  complete: {},
  disconnected: {},
  failed: {},
};

/**
 * The request side of an exchange, as the app has been given it:
 *
 * - `receiving-body`: more `http.request` events may come.
 * - `body-received`: the last `http.request` (`moreBody: false`) was given.
 * - `disconnect-given`: `http.disconnect` was given; it is the only event from now on.
 */
export type HttpRequestState = 'receiving-body' | 'body-received' | 'disconnect-given';

/** An event the server gives, classified: `request-last` has `moreBody: false`. */
export type HttpRequestMove = 'request' | 'request-last' | 'disconnect';

/** The legal moves of the request side, state by state. */
export const HTTP_REQUEST_TRANSITIONS: {
  readonly [S in HttpRequestState]: { readonly [M in HttpRequestMove]?: HttpRequestState };
} = {
  'receiving-body': {
    request: 'receiving-body',
    'request-last': 'body-received',
    disconnect: 'disconnect-given',
  },
  'body-received': { disconnect: 'disconnect-given' },
  'disconnect-given': { disconnect: 'disconnect-given' },
};

/**
 * A transition table with its states and moves numbered, for machines that
 * look a move up on every event: a lookup by two strings that vary costs V8
 * a few hundred instructions, an index into a typed array one load.
 */
export interface NumberedTable<State extends string, Move extends string> {
  /** The states; a state's number is its index here. */
  readonly states: readonly State[];
  /** The moves; a move's number is its index here. */
  readonly moves: readonly Move[];
  /** The number of the next state at `state * moves.length + move`, or -1 where the move is illegal. */
  readonly next: Int8Array;
}

/**
 * Numbers a transition table written as data: the states in the order of its
 * keys, the moves in the order given. The table stays the one definition;
 * this is a copy made for lookups.
 */
export function numberTable<State extends string, Move extends string>(
  table: { readonly [S in State]: { readonly [M in Move]?: State } },
  moves: readonly Move[],
): NumberedTable<State, Move> {
  const states = Object.keys(table) as State[];
  const next = new Int8Array(states.length * moves.length).fill(-1);
  for (let s = 0; s < states.length; s++) {
    const row = table[states[s]!];
    for (let m = 0; m < moves.length; m++) {
      const target = row[moves[m]!];
      if (target !== undefined) next[s * moves.length + m] = states.indexOf(target);
    }
  }
  return { states, moves, next };
}

/** The rule an app event breaks in a state where {@link HTTP_TRANSITIONS} has no entry for its move. */
export function httpOrderError(state: HttpState, move: HttpMove, type: string): ProtocolError {
  if (state === 'complete') {
    return new ProtocolError('HTTP-RESP-6', type, 'no event after the response is complete', 'one');
  }
  if (state === 'before-start') {
    if (move === 'file') {
      return new ProtocolError('EXT-FILE-1', type, 'after http.response.start', 'before it');
    }
    if (move === 'trailers') {
      return new ProtocolError(
        'HTTP-RESP-1',
        type,
        'http.response.start as the first response event',
        'http.response.trailers before it',
      );
    }
    return new ProtocolError('HTTP-RESP-5', type, 'after http.response.start', 'before it');
  }
  if (move === 'start' || move === 'start-trailers') {
    return new ProtocolError(
      'HTTP-RESP-4',
      type,
      'http.response.start exactly once',
      'a second one',
    );
  }
  if (move === 'early-hints') {
    return new ProtocolError('EXT-HINTS-1', type, 'only before http.response.start', 'after it');
  }
  if (move === 'trailers') {
    return state === 'body'
      ? new ProtocolError(
          'EXT-TRAILERS-2',
          type,
          'only after http.response.start with trailers: true',
          'trailers that were not promised',
        )
      : new ProtocolError(
          'EXT-TRAILERS-2',
          type,
          'only after the last body event (moreBody false)',
          'it while the body is open',
        );
  }
  // A body or file event once the body ended and trailers are due.
  return new ProtocolError(
    'EXT-TRAILERS-2',
    type,
    'http.response.trailers after the last body event',
    'another body event',
  );
}
