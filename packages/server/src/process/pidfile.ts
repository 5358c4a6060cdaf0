/**
 * The pidfile: written at startup, removed at exit, and refused when another
 * running process already owns it.
 *
 * @module
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { OptionsError } from '../options.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes this process's ID to `path`, replacing a stale file.
 *
 * @throws `OptionsError` when the file names another running process.
 */
export function writePidfile(path: string): void {
  let existing: number | undefined;
  try {
    existing = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && existing > 0 && existing !== process.pid && isRunning(existing)) {
    throw new OptionsError(
      `--pidfile ${path} names process ${existing}, which is running: is another server using it?`,
      'pidfile',
    );
  }
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (error) {
    throw new OptionsError(
      `cannot write --pidfile ${path}: ${(error as Error).message}`,
      'pidfile',
    );
  }
}

/** Removes the pidfile if it still holds this process's ID. */
export function removePidfile(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8').trim(), 10) === process.pid) rmSync(path);
  } catch {
    // Already gone.
  }
}
