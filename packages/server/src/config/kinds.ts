/**
 * The value kinds of server options: how each kind is read from text (a CLI
 * flag or an environment variable), checked when given programmatically, and
 * shown in help and docs.
 *
 * @module
 */

/** How one kind of option value is read, checked and shown. */
export interface ValueKind<T> {
  /** The placeholder shown in help, such as `N` or `SECONDS`. */
  readonly metavar: string;
  /** What a valid value looks like, for error messages: `a positive integer`. */
  readonly expected: string;
  /** True for on/off options, which take `--x` and `--no-x` and no value. */
  readonly boolean: boolean;
  /** True for options that may be given several times and hold a list. */
  readonly list: boolean;
  /** Reads a value from text; `undefined` when the text is not valid. */
  fromText(text: string): T | undefined;
  /** Checks a value given programmatically; `undefined` when it is not valid. */
  fromValue(value: unknown): T | undefined;
  /** Shows a value the way a user would type it. */
  format(value: T): string;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** An on/off option: `--x`, `--no-x`, or `true`/`false`/`1`/`0`/`yes`/`no`/`on`/`off` as text. */
export const booleanKind: ValueKind<boolean> = {
  metavar: '',
  expected: 'true or false',
  boolean: true,
  list: false,
  fromText(text) {
    const word = text.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return undefined;
  },
  fromValue(value) {
    if (typeof value === 'boolean') return value;
    return typeof value === 'string' ? this.fromText(value) : undefined;
  },
  format: (value) => String(value),
};

/** A string option; `allowEmpty` says whether `""` is a valid value. */
export function stringKind(metavar: string, allowEmpty = true): ValueKind<string> {
  return {
    metavar,
    expected: allowEmpty ? 'a string' : 'a non-empty string',
    boolean: false,
    list: false,
    fromText: (text) => (allowEmpty || text !== '' ? text : undefined),
    fromValue: (value) =>
      typeof value === 'string' && (allowEmpty || value !== '') ? value : undefined,
    format: (value) => (value === '' ? '""' : value),
  };
}

/** A string option that may also be unset (`null`); the empty string means unset. */
export function optionalStringKind(metavar: string): ValueKind<string | null> {
  return {
    metavar,
    expected: 'a non-empty string',
    boolean: false,
    list: false,
    fromText: (text) => (text === '' ? null : text),
    fromValue: (value) => {
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? (value === '' ? null : value) : undefined;
    },
    format: (value) => (value === null ? 'unset' : value),
  };
}

const INTEGER = /^[+]?\d+$/;

/** An integer in `[min, max]`. */
export function integerKind(min: number, max = Number.MAX_SAFE_INTEGER, metavar = 'N') {
  const expected =
    min === 1 && max === Number.MAX_SAFE_INTEGER
      ? 'a positive integer'
      : min === 0 && max === Number.MAX_SAFE_INTEGER
        ? 'an integer >= 0'
        : `an integer from ${min} to ${max}`;
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  const kind: ValueKind<number> = {
    metavar,
    expected,
    boolean: false,
    list: false,
    fromText(text) {
      const trimmed = text.trim();
      if (!INTEGER.test(trimmed)) return undefined;
      const n = Number(trimmed);
      return inRange(n) ? n : undefined;
    },
    fromValue(value) {
      if (typeof value === 'number') return inRange(value) ? value : undefined;
      return typeof value === 'string' ? kind.fromText(value) : undefined;
    },
    format: (value) => String(value),
  };
  return kind;
}

/** An integer that may be unset (`null`): a file descriptor, for example. */
export function optionalIntegerKind(min: number, metavar = 'N'): ValueKind<number | null> {
  const inner = integerKind(min, Number.MAX_SAFE_INTEGER, metavar);
  return {
    ...inner,
    fromText: (text) => (text.trim() === '' ? null : inner.fromText(text)),
    fromValue: (value) => (value === null || value === undefined ? null : inner.fromValue(value)),
    format: (value) => (value === null ? 'unset' : String(value)),
  };
}

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?$/i;
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60 };

/**
 * A duration in seconds, `>= 0`. Text may carry a unit: `500ms`, `30s`, `2m`;
 * a bare number is seconds. Programmatic values are numbers of seconds.
 */
export const secondsKind: ValueKind<number> = {
  metavar: 'SECONDS',
  expected: 'a number of seconds >= 0 (such as 30, 2.5 or 500ms)',
  boolean: false,
  list: false,
  fromText(text) {
    const match = DURATION.exec(text.trim());
    if (match === null) return undefined;
    const unit = DURATION_UNITS[(match[2] ?? 's').toLowerCase()]!;
    return Math.round(Number(match[1]) * unit * 1e6) / 1e6;
  },
  fromValue(value) {
    if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
    return typeof value === 'string' ? secondsKind.fromText(value) : undefined;
  },
  format: (value) => `${value}s`,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A size in bytes, `>= 0`. Text may carry a binary unit: `512k`, `16m`, `1g`
 * (`k` is 1024 bytes; `kb` and `kib` mean the same).
 */
export const sizeKind: ValueKind<number> = {
  metavar: 'BYTES',
  expected: 'a size in bytes >= 0 (such as 1048576, 512k or 16m)',
  boolean: false,
  list: false,
  fromText(text) {
    const match = SIZE.exec(text.trim());
    if (match === null) return undefined;
    const unit = SIZE_UNITS[(match[2] ?? 'b').charAt(0).toLowerCase()]!;
    const bytes = Math.floor(Number(match[1]) * unit);
    return Number.isSafeInteger(bytes) ? bytes : undefined;
  },
  fromValue(value) {
    if (typeof value === 'number') {
      return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    }
    return typeof value === 'string' ? sizeKind.fromText(value) : undefined;
  },
  format(value) {
    if (value === 0) return '0';
    for (const [suffix, unit] of [
      ['g', 1024 ** 3],
      ['m', 1024 ** 2],
      ['k', 1024],
    ] as const) {
      if (value % unit === 0) return `${value / unit}${suffix}`;
    }
    return String(value);
  },
};

/** One of a fixed set of words; `aliases` maps extra accepted words to a choice. */
export function enumKind<T extends string>(
  choices: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): ValueKind<T> {
  const lookup = (word: string): T | undefined =>
    (choices as readonly string[]).includes(word) ? (word as T) : aliases[word];
  return {
    metavar: choices.join('|'),
    expected: `one of ${choices.join(', ')}`,
    boolean: false,
    list: false,
    fromText: (text) => lookup(text.trim().toLowerCase()),
    fromValue: (value) => (typeof value === 'string' ? lookup(value.toLowerCase()) : undefined),
    format: (value) => value,
  };
}

const OCTAL = /^(?:0o?)?([0-7]{1,4})$/i;

/** A file mode in octal (`660`, `0660`, `0o660`); programmatic values are numbers (`0o660`). */
export const modeKind: ValueKind<number> = {
  metavar: 'MODE',
  expected: 'an octal file mode such as 660 or 0o600',
  boolean: false,
  list: false,
  fromText(text) {
    const match = OCTAL.exec(text.trim());
    if (match === null) return undefined;
    const mode = Number.parseInt(match[1]!, 8);
    return mode <= 0o7777 ? mode : undefined;
  },
  fromValue(value) {
    if (typeof value === 'number') {
      return Number.isInteger(value) && value >= 0 && value <= 0o7777 ? value : undefined;
    }
    return typeof value === 'string' ? modeKind.fromText(value) : undefined;
  },
  format: (value) => `0o${value.toString(8)}`,
};

/**
 * A list of strings. Text is split on commas (the environment reader splits
 * on white space too); each CLI occurrence adds to the list.
 */
export function listKind(metavar: string): ValueKind<string[]> {
  return {
    metavar,
    expected: 'a list of strings',
    boolean: false,
    list: true,
    fromText: (text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    fromValue(value) {
      if (typeof value === 'string') return this.fromText(value);
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
        return [...value];
      }
      return undefined;
    },
    format: (value) => (value.length === 0 ? 'none' : value.join(',')),
  };
}
