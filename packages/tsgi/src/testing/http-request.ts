/**
 * The request side of a harness exchange: how the server answers the
 * application's `receive()` calls. Body pieces are handed over in order, one
 * per call, and read from the test's body only when a call asks for one
 * (HTTP-BP-2); once the client is gone or the response is complete, every
 * call gives `http.disconnect` (HTTP-DISC-1, HTTP-DISC-3). Every event given
 * passes through the machine, which keeps the request side's state.
 *
 * @module
 */

import type { HttpExchange, HttpReceiveAction } from '../protocol/http.js';
import type { HttpReceiveEvent } from '../types.js';
import { type BodyPiece, type BodyPlan, chunkBytes } from './body.js';
import { invalidArgument } from './errors.js';
import type { BodyChunk, DisconnectPoint } from './options.js';
import { type Deferred, defer } from './wait.js';

/** What the request side needs from the exchange it belongs to. */
export interface RequestFeedHooks {
  /** The client leaves now. */
  readonly disconnect: () => void;
  /** The test's body broke its own framing: a test error, not the application's. */
  readonly fail: (error: unknown) => void;
}

/** Checks a disconnect option and returns it. */
export function checkDisconnect(point: DisconnectPoint | undefined): DisconnectPoint | undefined {
  if (point === undefined) return undefined;
  if (point === 'before-body' || point === 'after-body' || point === 'after-start') return point;
  if (typeof point === 'object' && point !== null) {
    const count =
      'afterBytes' in point
        ? point.afterBytes
        : 'afterResponseBytes' in point
          ? point.afterResponseBytes
          : undefined;
    const least = 'afterResponseBytes' in point ? 1 : 0;
    if (typeof count === 'number' && Number.isSafeInteger(count) && count >= least) return point;
  }
  throw invalidArgument(
    "disconnect: expected 'before-body', 'after-body', 'after-start', { afterBytes: n } or { afterResponseBytes: n }",
  );
}

/** Answers the application's `receive()` calls for one exchange. */
export class RequestFeed {
  readonly #machine: HttpExchange;
  readonly #plan: BodyPlan;
  readonly #hooks: RequestFeedHooks;
  /** Where the client leaves within the body: after this many bytes, or `null`. */
  readonly #cutAfter: number | null;
  readonly #leavesAfterBody: boolean;
  readonly #queue: BodyPiece[] = [];
  readonly #readers: Deferred<HttpReceiveEvent>[] = [];
  #pulling = false;
  #bodySupplied = false;
  #suppliedBytes = 0;
  #deliveredBytes = 0;
  #continueSent = false;

  /**
   * @param machine - the exchange's machine.
   * @param plan - the request body.
   * @param disconnectAt - the checked disconnect option.
   * @param hooks - what the feed asks of the exchange.
   */
  constructor(
    machine: HttpExchange,
    plan: BodyPlan,
    disconnectAt: DisconnectPoint | undefined,
    hooks: RequestFeedHooks,
  ) {
    this.#machine = machine;
    this.#plan = plan;
    this.#hooks = hooks;
    this.#cutAfter =
      typeof disconnectAt === 'object' && 'afterBytes' in disconnectAt
        ? disconnectAt.afterBytes
        : null;
    this.#leavesAfterBody = disconnectAt === 'after-body';
  }

  /** How many `receive()` calls are waiting. */
  get waiting(): number {
    return this.#readers.length;
  }

  /** Whether `100 Continue` was sent (HTTP-REQ-5). */
  get continueSent(): boolean {
    return this.#continueSent;
  }

  /** The application called `receive()`. */
  receive(): Promise<HttpReceiveEvent> {
    let action: HttpReceiveAction;
    try {
      action = this.#machine.receive();
    } catch (error) {
      return Promise.reject(error);
    }
    if (action.kind === 'disconnect') {
      return Promise.resolve(this.#machine.deliver({ type: 'http.disconnect' }));
    }
    if (action.kind === 'read' && action.sendContinue) this.#continueSent = true;
    const reader = defer<HttpReceiveEvent>();
    this.#readers.push(reader);
    this.pump();
    return reader.promise;
  }

  /**
   * The test sends a piece of the body by hand.
   *
   * @throws TsgiError (`ERR_TSGI_INVALID_ARGUMENT`) when no client could send it.
   */
  supply(chunk: BodyChunk, more: boolean): void {
    if (!this.#plan.manual) {
      throw invalidArgument('sendBody(): the exchange was opened without streamBody: true');
    }
    if (this.#bodySupplied) throw invalidArgument('sendBody(): the body already ended');
    if (this.#machine.clientGone) throw invalidArgument('sendBody(): the client is gone');
    const bytes = chunkBytes(chunk);
    const declared = this.#plan.declared;
    const total = this.#suppliedBytes + bytes.byteLength;
    if (declared !== null && (total > declared || (!more && total !== declared))) {
      throw invalidArgument(
        `sendBody(): content-length declares ${declared} bytes, and this piece brings the body to ${total}${more ? '' : ' and ends it'}`,
      );
    }
    this.#suppliedBytes = total;
    if (!more) this.#bodySupplied = true;
    this.#queue.push({ bytes, last: !more });
    this.pump();
  }

  /** Answers the waiting `receive()` calls, in order, with what is available. */
  pump(): void {
    const machine = this.#machine;
    while (this.#readers.length > 0) {
      if (machine.clientGone || machine.state === 'complete') {
        this.#readers.shift()!.resolve(machine.deliver({ type: 'http.disconnect' }));
        continue;
      }
      // The whole body was given: wait for the response to complete or the client to leave.
      if (machine.requestState !== 'receiving-body') return;
      const piece = this.#queue.shift();
      if (piece !== undefined) {
        this.#handOver(piece);
        continue;
      }
      const pull = this.#plan.pull;
      if (pull !== null && !this.#pulling) {
        this.#pulling = true;
        Promise.resolve()
          .then(pull)
          .then(
            (next) => {
              this.#pulling = false;
              if (machine.clientGone) return;
              this.#queue.push(next);
              this.pump();
            },
            (error: unknown) => {
              this.#pulling = false;
              this.#hooks.fail(error);
            },
          );
      }
      return;
    }
  }

  /** What the waiting `receive()` calls wait for, for a timeout message; `null` when none waits. */
  describe(): string | null {
    if (this.#readers.length === 0) return null;
    if (this.#machine.requestState !== 'receiving-body') {
      return 'the application waits in receive() for http.disconnect';
    }
    return this.#plan.manual
      ? 'the application waits in receive() for request body (send it with sendBody())'
      : 'the application waits in receive() for request body that the body iterable has not produced';
  }

  /** Gives the first waiting `receive()` a piece of body, cutting it where the client leaves. */
  #handOver(piece: BodyPiece): void {
    const limit = this.#cutAfter;
    if (limit !== null) {
      const room = limit - this.#deliveredBytes;
      if (piece.bytes.byteLength >= room || piece.last) {
        // The client leaves here: the application never sees moreBody false (HTTP-REQ-4).
        const cut = piece.bytes.byteLength > room ? piece.bytes.subarray(0, room) : piece.bytes;
        if (cut.byteLength > 0) this.#give(cut, true);
        this.#hooks.disconnect();
        return;
      }
    }
    this.#give(piece.bytes, !piece.last);
    if (piece.last && this.#leavesAfterBody) this.#hooks.disconnect();
  }

  #give(body: Uint8Array, moreBody: boolean): void {
    this.#deliveredBytes += body.byteLength;
    this.#readers.shift()!.resolve(this.#machine.deliver({ type: 'http.request', body, moreBody }));
  }
}
