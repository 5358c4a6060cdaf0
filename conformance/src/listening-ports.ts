/**
 * Finds the TCP ports a process group listens on, so that a server that
 * ignored `{port}` can be told about it instead of timing out in silence.
 * Linux only (it reads /proc); elsewhere the list is empty.
 *
 * @module
 */

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The TCP ports in LISTEN state held by the processes of group `pgid`, from /proc. */
export function listeningPortsOfGroup(pgid: number): number[] {
  if (process.platform !== 'linux') return [];
  try {
    const inodes = new Set<string>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // Fields after the command name (which may hold spaces) start at the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      let fds: string[] = [];
      try {
        fds = readdirSync(`/proc/${entry}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const link = readlinkSync(`/proc/${entry}/fd/${fd}`);
          const match = /^socket:\[(\d+)\]$/.exec(link);
          if (match) inodes.add(match[1] as string);
        } catch {
          // The descriptor closed meanwhile.
        }
      }
    }
    const ports = new Set<number>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text = '';
      try {
        text = readFileSync(table, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const columns = line.trim().split(/\s+/);
        if (columns.length < 10 || columns[3] !== '0A' || !inodes.has(columns[9] as string))
          continue;
        ports.add(Number.parseInt((columns[1] as string).split(':')[1] as string, 16));
      }
    }
    return [...ports];
  } catch {
    return [];
  }
}
