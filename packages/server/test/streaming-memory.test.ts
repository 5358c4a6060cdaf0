// Streaming 1 GiB each way with bounded memory (HTTP-BP-1, HTTP-BP-2): the
// server runs in its own process, and its resident set size (VmRSS from
// /proc) is sampled while a response of 1 GiB goes to a client that reads
// slowly at first, and while a body of 1 GiB goes to an app that reads slowly
// at first. Without backpressure the app would generate, or the server would
// take in, hundreds of MiB during the slow phase, and the peak would grow
// towards the full gigabyte.
//
// The baseline is the peak resident size during a warm-up that streams 64 MiB
// each way at full speed: it includes the code, the pools, and the saw-tooth
// of chunks already written but not yet collected (a 64 KiB chunk is freed
// only when V8 collects its wrapper, and V8 lets some tens of MiB of such
// external memory pile up between collections; the resident size right
// before a transfer sits anywhere in that saw-tooth, which is why it is not
// the baseline). The bound, 64 MiB above that baseline, is a sixteenth of
// what is transferred; what must live in the server at any time is a few
// 64 KiB chunks in the streams (high-water marks of 16 to 64 KiB). Buffering
// the slow phase (a second at loopback speed) would add hundreds of MiB, and
// an app or a server that ignored backpressure would approach the full GiB.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BOUND = 64 * MiB;
/** How long the client (download) or the app (upload) is slow at first. */
const SLOW_MS = 1000;
const SERVER = fileURLToPath(new URL('./fixtures/streaming-server.ts', import.meta.url));
const CAN_MEASURE = process.platform === 'linux' && existsSync('/proc/self/status');

/** The resident set size of a process, in bytes. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Samples a process's RSS every few milliseconds and keeps the peak. */
class RssSampler {
  peak = 0;
  samples = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(readonly pid: number) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 10);
  }

  #sample(): void {
    this.peak = Math.max(this.peak, rssOf(this.pid));
    this.samples++;
  }

  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.peak;
  }
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Splits a response head from what follows; `null` until the head is complete. */
function splitHead(data: Buffer): { head: string; rest: Buffer } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  return { head: data.subarray(0, end).toString('latin1'), rest: data.subarray(end + 4) };
}

/**
 * Downloads `size` bytes, pausing 50 ms after each chunk for the first
 * `slowMs`, then reading as fast as it can. Resolves with the body length.
 */
function download(socket: Socket, size: number, slowMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let head: Buffer | null = Buffer.alloc(0);
    let body = 0;
    socket.on('error', reject);
    socket.on('close', () => resolve(body));
    socket.on('data', (chunk: Buffer) => {
      if (head !== null) {
        const split = splitHead(Buffer.concat([head, chunk]));
        if (split === null) {
          head = Buffer.concat([head, chunk]);
          return;
        }
        head = null;
        if (!/^HTTP\/1\.1 200 /.test(split.head)) {
          reject(new Error(`unexpected response ${split.head}`));
          return;
        }
        body += split.rest.length;
      } else {
        body += chunk.length;
      }
      if (body >= size) {
        socket.destroy();
        return;
      }
      if (Date.now() - started < slowMs) {
        socket.pause();
        setTimeout(() => socket.resume(), 50);
      }
    });
    socket.write(`GET /download?size=${size} HTTP/1.1\r\nHost: h\r\n\r\n`);
  });
}

/** Uploads `size` bytes, honouring backpressure; resolves with the response body. */
async function upload(socket: Socket, size: number, slowMs: number): Promise<string> {
  const chunks: Buffer[] = [];
  const closed = once(socket, 'close');
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(
    `POST /upload?slowMs=${slowMs} HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: ${size}\r\n\r\n`,
  );
  const piece = Buffer.alloc(64 * 1024, 0x62);
  for (let sent = 0; sent < size; ) {
    const length = Math.min(piece.length, size - sent);
    sent += length;
    if (!socket.write(length === piece.length ? piece : piece.subarray(0, length))) {
      await once(socket, 'drain');
    }
  }
  await closed;
  const split = splitHead(Buffer.concat(chunks));
  assert.ok(split !== null, 'no response to the upload');
  assert.match(split.head, /^HTTP\/1\.1 200 /);
  return split.rest.toString();
}

describe('streaming 1 GiB with bounded memory', {
  timeout: 120_000,
  skip: CAN_MEASURE ? false : 'needs /proc to read the RSS',
}, () => {
  let child: ChildProcess;
  let port = 0;
  /** The peak RSS of the warm-up. */
  let baseline = 0;

  /** Samples the server's RSS while `work` runs and reports the numbers. */
  async function measured<T>(
    what: string,
    work: () => Promise<T>,
    report: (line: string) => void,
  ): Promise<{ result: T; growth: number; overBefore: number }> {
    const before = rssOf(child.pid!);
    const sampler = new RssSampler(child.pid!);
    const started = Date.now();
    const result = await work();
    const peak = sampler.stop();
    const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
    report(
      `${what}: warm-up peak ${mib(baseline)}, before ${mib(before)}, peak ${mib(peak)}, growth ${mib(peak - baseline)} over the warm-up peak (${mib(peak - before)} over before), ${((Date.now() - started) / 1000).toFixed(1)} s, ${sampler.samples} samples`,
    );
    return { result, growth: peak - baseline, overBefore: peak - before };
  }

  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    for await (const chunk of child.stdout!) {
      output += String(chunk);
      const match = /port (\d+)/.exec(output);
      if (match !== null) {
        port = Number(match[1]);
        break;
      }
    }
    assert.ok(port > 0, `the server did not start: ${output}`);
    // Warm up: compiled code, pools, and the garbage a steady stream leaves.
    const sampler = new RssSampler(child.pid!);
    assert.equal(await download(await tcp(port), 64 * MiB, 0), 64 * MiB);
    assert.equal(await upload(await tcp(port), 64 * MiB, 0), `received ${64 * MiB}`);
    baseline = sampler.stop();
  });

  after(async () => {
    if (child.exitCode === null) {
      child.stdin!.end();
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
      child.kill('SIGKILL');
    }
  });

  it('[HTTP-BP-1] streams 1 GiB to a client that reads slowly at first, the RSS staying within 64 MiB of the warm-up peak', async (t) => {
    const { result, growth } = await measured(
      'download',
      async () => download(await tcp(port), GiB, SLOW_MS),
      (line) => t.diagnostic(line),
    );
    assert.equal(result, GiB);
    assert.ok(growth < BOUND, `the RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
  });

  it('[HTTP-BP-2] takes a 1 GiB body for an app that reads slowly at first, the RSS staying within 64 MiB of the warm-up peak', async (t) => {
    const { result, growth } = await measured(
      'upload',
      async () => upload(await tcp(port), GiB, SLOW_MS),
      (line) => t.diagnostic(line),
    );
    assert.equal(result, `received ${GiB}`);
    assert.ok(growth < BOUND, `the RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
  });

  it('sees memory the server does keep: 128 MiB held by the app shows in the samples', async (t) => {
    const { overBefore } = await measured(
      'hoard',
      async () => {
        const socket = await tcp(port);
        const closed = once(socket, 'close');
        socket.resume();
        socket.write(
          `GET /hoard?size=${128 * MiB} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`,
        );
        await closed;
      },
      (line) => t.diagnostic(line),
    );
    assert.ok(overBefore >= 100 * MiB, `the RSS grew by ${(overBefore / MiB).toFixed(1)} MiB`);
  });
});
