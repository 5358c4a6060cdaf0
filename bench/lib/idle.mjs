/**
 * The idle keep-alive scenario: open many sockets, send one keep-alive
 * request on each, read the answer, then hold them all open while the
 * server's memory is read.
 */
import { connect } from 'node:net';
import { PLAINTEXT } from './workload.mjs';

const REQUEST = 'GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
const BATCH = 200;
const TIMEOUT_MS = 20_000;

function connectOne(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(null));
  });
}

function answered(socket) {
  return new Promise((resolve) => {
    let seen = '';
    let settled = false;
    const settle = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => settle(false), TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      seen += chunk;
      const headEnd = seen.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      if (!seen.startsWith('HTTP/1.1 200')) settle(false);
      else if (seen.includes(PLAINTEXT, headEnd)) settle(true);
    });
    socket.on('error', () => settle(false));
    socket.on('close', () => settle(false));
  });
}

/**
 * Opens `count` keep-alive connections, each after one answered request.
 * All sockets connect first (in batches, so the listen backlog never
 * overflows), then every request is sent at once: the server's keep-alive
 * timers start within the time it takes to answer them, not the time it
 * takes to connect, so none expires before the memory is read.
 *
 * @param {number} port
 * @param {number} count
 * @returns {Promise<{ sockets: import('node:net').Socket[], failed: number }>}
 */
export async function openIdle(port, count) {
  const connected = [];
  let failed = 0;
  for (let done = 0; done < count; done += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, count - done) }, () => connectOne(port)),
    );
    for (const socket of batch) {
      if (socket === null) failed++;
      else connected.push(socket);
    }
  }
  const answers = connected.map(answered);
  for (const socket of connected) socket.write(REQUEST);
  const ok = await Promise.all(answers);
  const sockets = [];
  connected.forEach((socket, i) => {
    if (ok[i]) sockets.push(socket);
    else {
      failed++;
      socket.destroy();
    }
  });
  return { sockets, failed };
}

/** @param {import('node:net').Socket[]} sockets */
export function stillOpen(sockets) {
  let open = 0;
  for (const socket of sockets) if (!socket.destroyed && socket.readyState === 'open') open++;
  return open;
}

/** @param {import('node:net').Socket[]} sockets */
export function closeAll(sockets) {
  for (const socket of sockets) socket.destroy();
}
