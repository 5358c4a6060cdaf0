/**
 * Timestamps for log lines, formatted at most once per second: a busy server
 * writes thousands of lines per second, and each line only needs the second.
 *
 * @module
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function offset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** The current time in the three forms the logs use, recomputed when the second changes. */
export class LogClock {
  private second = -1;
  private common = '';
  private plain = '';
  private iso = '';
  private readonly now: () => number;

  /** @param now - the time source, in milliseconds since the epoch (replaceable in tests). */
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  private refresh(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.second) return;
    this.second = second;
    const date = new Date(second * 1000);
    const zone = offset(date);
    const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    this.common = `${pad(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:${time} ${zone}`;
    this.plain = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time} ${zone}`;
    this.iso = date.toISOString().replace('.000Z', 'Z');
  }

  /** `10/Oct/2000:13:55:36 +0200`, the Common Log Format timestamp (local time). */
  commonLog(): string {
    this.refresh();
    return this.common;
  }

  /** `2000-10-10 13:55:36 +0200`, the error log timestamp (local time). */
  errorLog(): string {
    this.refresh();
    return this.plain;
  }

  /** `2000-10-10T11:55:36Z`, for JSON lines (UTC). */
  isoUtc(): string {
    this.refresh();
    return this.iso;
  }
}

/** The clock shared by the loggers of this process. */
export const sharedClock: LogClock = new LogClock();
