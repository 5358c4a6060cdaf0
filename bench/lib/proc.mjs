/** Starting, watching and stopping contender processes, and reading their memory. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pinned, sleep } from './exec.mjs';

const START_TIMEOUT_MS = 30_000;
const STDERR_KEEP = 4000;

/**
 * @typedef {object} Running
 * @property {number} pid
 * @property {number} port
 * @property {number} startupMs from spawn to `READY`
 * @property {() => string | null} exitInfo why it exited, or `null` while it runs
 * @property {() => string} stderrTail the end of its standard error
 * @property {() => Promise<void>} stop
 */

/**
 * The gist of what a process wrote to standard error: the last line that
 * names an error (`Error: ...`, `TypeError: ...`), else its last lines.
 *
 * @param {string} text
 */
export function summarizeStderr(text) {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Node.js v'));
  const named = lines.findLast((line) => /^(\w+)?(Error|Exception)\b[^:]*:/.test(line));
  const gist = named ?? lines.slice(-3).join(' / ');
  return gist.length > 300 ? `${gist.slice(0, 297)}...` : gist;
}

/**
 * Starts a contender and waits for its `READY <port>` line.
 *
 * @param {string} file the contender module
 * @param {{ cpu: number | null }} options
 * @returns {Promise<Running>}
 * @throws {Error} with the contender's standard error when it exits or stays silent
 */
export function startContender(file, options) {
  const [command, args] = pinned(options.cpu, process.execPath, [file]);
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_PORT: '0', NODE_ENV: 'production' },
  });
  let stderr = '';
  let exit = null;
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with status ${code}`;
      resolve();
    });
    child.on('error', (error) => {
      exit = `could not be started: ${error.message}`;
      resolve();
    });
  });
  const tail = () => summarizeStderr(stderr);

  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no READY line within ${START_TIMEOUT_MS / 1000} s. ${tail()}`.trim()));
    }, START_TIMEOUT_MS);
    const onData = (chunk) => {
      stdout += chunk;
      const match = /^READY (\d+)$/m.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      // Keep draining standard output so a chatty contender never blocks on it.
      child.stdout.resume();
      resolve({
        pid: child.pid,
        port: Number(match[1]),
        startupMs: performance.now() - started,
        exitInfo: () => exit,
        stderrTail: tail,
        stop: async () => {
          if (exit !== null) return;
          child.stdin.end();
          const done = await Promise.race([exited.then(() => true), sleep(2000).then(() => false)]);
          if (done) return;
          child.kill('SIGTERM');
          const ended = await Promise.race([
            exited.then(() => true),
            sleep(2000).then(() => false),
          ]);
          if (!ended) child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${exit}${tail() ? `: ${tail()}` : ''}`));
    });
  });
}

/**
 * The resident set size and its peak of a process, in KiB, from
 * `/proc/<pid>/status`; `null` where there is no `/proc`.
 *
 * @param {number} pid
 * @returns {{ rssKiB: number, hwmKiB: number } | null}
 */
export function memoryOf(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return match === null ? Number.NaN : Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/**
 * CPU time a process has used so far (user + system), in seconds, from
 * `/proc/<pid>/stat`; `null` where there is no `/proc`.
 *
 * @param {number} pid
 * @param {number} ticksPerSecond the kernel's `CLK_TCK`
 */
export function cpuSecondsOf(pid, ticksPerSecond) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the file (utime, stime) are 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
