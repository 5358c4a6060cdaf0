/**
 * Starts the server under test from a command template, waits until the probe
 * answers through it, and stops it again: the whole process group, so that no
 * server outlives a run.
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './case.js';
import { listeningPortsOfGroup } from './listening-ports.js';
import { INSTANCE_ENV, LOG_ENV, RECORDS_ENV } from './probe/constants.js';
import { waitReady } from './readiness.js';
import { type Target, tcpTarget, unixTarget } from './target.js';

/** The placeholders a command template may hold. */
export const PLACEHOLDERS = ['{app}', '{port}', '{uds}', '{host}', '{rootPath}'] as const;

/** The mount point used when a template holds `{rootPath}`. */
export const TEST_ROOT_PATH = '/tsgi-mount';

/** Options of `startServer`, which starts the server under test. */
export interface StartOptions {
  /** The command template, run by the shell, with `{app}` and `{port}` or `{uds}`. */
  readonly command: string;
  /** The application reference to put in for `{app}`: `/abs/path/module.js:export`. */
  readonly app: string;
  /** More environment variables for the server. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the probe to answer, in milliseconds. */
  readonly startupTimeoutMs?: number;
  /** Whether to wait for the probe to answer at all (false for servers expected to fail). */
  readonly waitReady?: boolean;
  /** The working directory of the command. */
  readonly cwd?: string;
  /** Whether the server speaks TLS on its port (any certificate is accepted). */
  readonly tls?: boolean;
}

/** Checks a command template; returns a problem in one line, or `null`. */
export function templateProblem(command: string): string | null {
  if (command.trim() === '') return 'the --command template is empty';
  if (!command.includes('{app}')) return 'the --command template has no {app} placeholder';
  if (!command.includes('{port}') && !command.includes('{uds}')) {
    return 'the --command template has neither a {port} nor a {uds} placeholder';
  }
  return null;
}

/** Finds a TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ServerProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const server of live) server.killNow();
}

/**
 * Servers run in process groups of their own, so they outlive the suite's
 * process unless it kills them: on exit, and on the signals that end a
 * process. After a signal, when nothing else listens for it, the signal is
 * raised again so the process still ends as it would have.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** How a process ended. */
export interface ExitInfo {
  /** The exit status, or `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or `null`. */
  readonly signal: NodeJS.Signals | null;
}

/** A server the suite started. */
export class ServerProcess {
  /** Where it should listen. */
  readonly target: Target;
  /** The command line after substitution. */
  readonly commandLine: string;
  /** The file the probe logs lifespan events and requests to. */
  readonly logPath: string;
  /** The nonce the probe reports from `/_probe/ping`. */
  readonly instance: string;
  private readonly child: ChildProcess;
  private readonly scratch: string;
  private readonly lines: string[] = [];
  private partial = '';
  private exit: ExitInfo | null = null;
  private readonly exited: Promise<void>;

  /** @internal */
  constructor(
    child: ChildProcess,
    target: Target,
    commandLine: string,
    scratch: string,
    instance: string,
  ) {
    this.child = child;
    this.target = target;
    this.commandLine = commandLine;
    this.scratch = scratch;
    this.logPath = join(scratch, 'probe.log');
    this.instance = instance;
    const collect = (chunk: Buffer): void => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split(/\r?\n/);
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      if (this.lines.length > 20_000) this.lines.splice(0, this.lines.length - 20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve();
      });
      child.once('error', (error) => {
        this.lines.push(`(could not run the command: ${error.message})`);
        this.exit = { code: null, signal: null };
        live.delete(this);
        resolve();
      });
    });
    live.add(this);
    installExitHook();
  }

  /** The process id of the shell that runs the command (the group leader). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the process ended, or `null` while it runs. */
  get exitStatus(): ExitInfo | null {
    return this.exit;
  }

  /** Everything the server printed on stdout and stderr, as lines. */
  output(): string[] {
    return this.partial === '' ? [...this.lines] : [...this.lines, this.partial];
  }

  /** The last `count` output lines. */
  tail(count = 20): string[] {
    return this.output().slice(-count);
  }

  /** The lines the probe logged, parsed. */
  log(): Record<string, unknown>[] {
    let text = '';
    try {
      text = readFileSync(this.logPath, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return { event: 'unreadable', line };
        }
      });
  }

  /**
   * Waits for the process to end, and with it every process of its group (the
   * shell may end before the server it started); false when something still
   * runs after `timeoutMs`.
   */
  async waitExit(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (this.exit === null) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.exited,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
      if (this.exit === null) return false;
    }
    while (this.groupAlive()) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  /** Whether any process of the server's process group still runs. */
  private groupAlive(): boolean {
    const pid = this.child.pid;
    if (pid === undefined || process.platform === 'win32') return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  /** Sends a signal to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || (this.exit !== null && !this.groupAlive())) return;
    try {
      if (process.platform === 'win32') this.child.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /**
   * Stops the server: SIGTERM to its group, then SIGKILL after `graceMs`.
   * Resolves once it ended; the scratch folder is removed.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.signal('SIGTERM');
    if (!(await this.waitExit(graceMs))) {
      this.signal('SIGKILL');
      await this.waitExit(2000);
    }
    // Children that ignored the signal to the shell still belong to the group.
    this.killGroup();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** Kills the whole group at once, synchronously; for the exit of the suite's own process. */
  killNow(): void {
    this.killGroup();
    try {
      rmSync(this.scratch, { recursive: true, force: true });
    } catch {
      // Best effort while exiting.
    }
  }

  private killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child.kill('SIGKILL');
      else process.kill(-pid, 'SIGKILL');
    } catch {
      // Nothing left to kill.
    }
  }

  /** The TCP ports the server's processes listen on (Linux only; empty elsewhere). */
  listeningPorts(): number[] {
    const pid = this.child.pid;
    return pid === undefined ? [] : listeningPortsOfGroup(pid);
  }
}

/**
 * Starts the server under test and waits until the probe answers through it.
 *
 * @throws HarnessError when the command is unusable, the process exits early,
 *   something else answers, or nothing answers in time.
 */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const problem = templateProblem(options.command);
  if (problem !== null) throw new HarnessError(problem);
  const scratch = mkdtempSync(join(tmpdir(), 'tsgi-conformance-'));
  const rootPath = options.command.includes('{rootPath}') ? TEST_ROOT_PATH : '';
  let target: Target;
  const values: Record<string, string> = {
    '{app}': options.app,
    '{rootPath}': rootPath,
    '{host}': '127.0.0.1',
  };
  if (options.command.includes('{uds}')) {
    const socketPath = join(scratch, 'server.sock');
    values['{uds}'] = socketPath;
    target = unixTarget(socketPath, { rootPath });
  } else {
    const port = await freePort();
    values['{port}'] = String(port);
    target = tcpTarget('127.0.0.1', port, { rootPath, tls: options.tls === true });
  }
  if (options.command.includes('{port}') && values['{port}'] === undefined)
    values['{port}'] = String(await freePort());
  const commandLine = options.command.replace(
    /\{(app|port|uds|host|rootPath)\}/g,
    (match) => values[match] ?? match,
  );
  const instance = randomBytes(8).toString('hex');
  const child = spawn(commandLine, {
    shell: true,
    detached: process.platform !== 'win32',
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      [LOG_ENV]: join(scratch, 'probe.log'),
      // Shared by every process of the server, so that a worker can answer for another.
      [RECORDS_ENV]: join(scratch, 'records'),
      [INSTANCE_ENV]: instance,
    },
  });
  const server = new ServerProcess(child, target, commandLine, scratch, instance);
  if (options.waitReady === false) return server;
  try {
    await waitReady(server, options.startupTimeoutMs ?? 20_000);
  } catch (error) {
    await server.stop(1000);
    throw error;
  }
  return server;
}
