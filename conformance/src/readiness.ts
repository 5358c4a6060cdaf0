/**
 * Finds out whether the probe answers through the server under test, and
 * waits for it after a start: with a deadline, and with a clear message for
 * every way it can go wrong.
 *
 * @module
 */

import { HarnessError } from './case.js';
import { buildRequest, RawConnection } from './clients/raw-http.js';
import { PROBE_NAME } from './probe/constants.js';
import type { ServerProcess } from './server-process.js';
import { describeTarget, type Target } from './target.js';

/** The probe answered. */
export interface PingAnswered {
  /** The outcome. */
  readonly kind: 'ok';
  /** The nonce the probe reported, or `null` when it has none. */
  readonly instance: string | null;
}

/** Nothing answered, or something other than the probe. */
export interface PingFailed {
  /** `refused`: no answer; `foreign`: an answer that is not the probe's. */
  readonly kind: 'refused' | 'foreign';
  /** What happened, in one line. */
  readonly detail: string;
}

/** What asking the probe whether it is up gave. */
export type PingResult = PingAnswered | PingFailed;

/** Asks the probe through `target` whether it is up. */
export async function pingProbe(target: Target, timeoutMs = 2000): Promise<PingResult> {
  let raw: RawConnection;
  try {
    raw = await RawConnection.open(target, timeoutMs);
  } catch (error) {
    return { kind: 'refused', detail: (error as Error).message };
  }
  try {
    await raw.write(
      buildRequest(`GET ${target.rootPath}/_probe/ping HTTP/1.1`, [
        ['Host', target.authority],
        ['Connection', 'close'],
      ]),
    );
    const response = await raw.readResponse({ timeoutMs });
    if (response === null)
      return { kind: 'refused', detail: 'the connection closed without a response' };
    const text = Buffer.from(response.body).toString('utf8');
    let parsed: { probe?: unknown; instance?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not the probe's JSON.
    }
    if (response.status !== 200 || parsed.probe !== PROBE_NAME) {
      return {
        kind: 'foreign',
        detail: `GET ${target.rootPath}/_probe/ping answered ${response.status} ${JSON.stringify(text.slice(0, 120))}`,
      };
    }
    return { kind: 'ok', instance: typeof parsed.instance === 'string' ? parsed.instance : null };
  } catch (error) {
    return { kind: 'refused', detail: (error as Error).message };
  } finally {
    raw.destroy();
  }
}

/**
 * Waits until the probe answers through a started server.
 *
 * @throws HarnessError when the process exits first, something else answers,
 *   the server listens on another port, or nothing answers in time.
 */
export async function waitReady(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const where = describeTarget(server.target);
  let last = 'no attempt yet';
  let elsewhereSince: number | null = null;
  while (Date.now() < deadline) {
    const exit = server.exitStatus;
    if (exit !== null) {
      throw new HarnessError(
        `the server exited before it answered on ${where} (${exit.signal ?? `exit status ${exit.code}`}): ${server.commandLine}`,
        server.tail(),
      );
    }
    const ping = await pingProbe(server.target, 1000);
    if (ping.kind === 'ok') {
      if (ping.instance !== server.instance) {
        throw new HarnessError(
          `another server answers on ${where} (the probe there was not started by this run; is the port in use?)`,
          server.tail(),
        );
      }
      return;
    }
    if (ping.kind === 'foreign') {
      throw new HarnessError(
        `${where} answers, but not with the probe app: ${ping.detail}`,
        server.tail(),
      );
    }
    last = ping.detail;
    const ports =
      server.target.port === null
        ? []
        : server.listeningPorts().filter((port) => port !== server.target.port);
    if (ports.length > 0) {
      elsewhereSince ??= Date.now();
      if (Date.now() - elsewhereSince > 2000) {
        throw new HarnessError(
          `the server listens on port ${ports.join(', ')} instead of ${server.target.port}: does the command pass {port} to it?`,
          server.tail(),
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new HarnessError(
    `the server did not answer on ${where} within ${timeoutMs} ms (${last})`,
    server.tail(),
  );
}
