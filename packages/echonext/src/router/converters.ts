/**
 * Converters: what a route parameter accepts, how its text becomes a value,
 * and how a value becomes text again for `urlFor`.
 *
 * The built-in converters check their input with plain character loops instead
 * of regular expressions where that is simple, since they run once per
 * candidate segment on every lookup. Each still declares an unanchored `regex`
 * so that it can take part in a segment with literal text around it
 * (`/v{version:int}`, `/files/{name}.{ext}`).
 *
 * @module
 */

import { RouterError, RouterErrorCode } from './errors.js';
import { isCanonicalUint, isCanonicalUintAt, isFloatAt, isUuid, isUuidAt } from './scan.js';

/**
 * A parameter converter. Register your own with `Router#addConverter` (or the
 * `converters` option) and use it in patterns as `{name:converterName}`.
 *
 * A converter gives `regex`, `match`, or both:
 * - `regex` describes the whole accepted text, without `^` or `$`: the router
 *   anchors it. It is required for use inside a segment that mixes literal text
 *   and parameters, where it must carry no flags other than `g`, `y` or `d`
 *   and no numbered backreferences (its groups are renumbered there).
 * - `match` decides on its own when given; inside a mixed segment it confirms
 *   what `regex` captured.
 *
 * A parameter never captures empty text, whatever the converter says, and a
 * segment never contains `/` (only the built-in `path` converter spans segments).
 * `parse` is called only on text the converter accepted and must not throw.
 * `format` may throw when given a value it cannot write; `urlFor` reports that
 * as a {@link RouterError} with code `BAD_PARAM`.
 *
 * @typeParam T - the type `parse` produces and `format` takes.
 */
export interface Converter<T = unknown> {
  /** The name used in patterns: letters, digits and `_`, not starting with a digit. */
  readonly name: string;
  /** The accepted text, unanchored. */
  readonly regex?: RegExp;
  /**
   * When several converters compete for one segment, lower ranks are tried
   * first (see {@link ConverterRank}). Defaults to {@link ConverterRank.CUSTOM}.
   */
  readonly rank?: number;
  /** Tells whether `text` (one decoded segment, or a part of one) is accepted. */
  match?(text: string): boolean;
  /** Turns accepted text into the value handed to the handler. */
  parse(text: string): T;
  /** Turns a value back into text for `urlFor`; the result must be accepted again. */
  format(value: T): string;
}

/**
 * The order in which parameter converters are tried at one position, lowest
 * first. Static text is always tried before any parameter, and the `path`
 * converter after every one-segment converter.
 */
export const ConverterRank = {
  /** The built-in `int`. */
  INT: 10,
  /** The built-in `uuid`. */
  UUID: 20,
  /** The built-in `float`. */
  FLOAT: 30,
  /** User converters that do not say otherwise. */
  CUSTOM: 50,
  /** The built-in `str`, the default when a parameter names no converter. */
  STR: 90,
} as const;

function badValue(converter: string, expected: string, value: unknown): RouterError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new RouterError(
    RouterErrorCode.BAD_PARAM,
    `the ${converter} converter cannot format ${typeof value} ${shown}: expected ${expected}`,
  );
}

const FLOAT_SOURCE = '-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';
const INTEGRAL = /^-?[0-9]+$/;

/**
 * `{id:int}`: a non-negative decimal integer in canonical form, parsed to a
 * `number`. Rejects a sign (`-1`, `+1`), a fraction (`1.5`), leading zeros
 * (`01`, so that each number has exactly one URL) and values above
 * `Number.MAX_SAFE_INTEGER`, which a `number` cannot hold exactly.
 */
export const intConverter: Converter<number> = {
  name: 'int',
  regex: /0|[1-9][0-9]*/,
  rank: ConverterRank.INT,
  match: isCanonicalUint,
  parse: Number,
  format(value: number): string {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw badValue('int', 'a non-negative safe integer', value);
    }
    return String(value);
  },
};

/**
 * `{x:float}`: a decimal number parsed to a finite `number`. Accepts an
 * optional leading `-`, an optional fraction with digits on both sides of the
 * dot and an optional exponent (`1.5`, `-2`, `1e3`, `2.5E-3`). Rejects `+1`,
 * `.5`, `1.`, `Infinity`, `NaN`, hexadecimal and anything that overflows to
 * infinity (`1e999`). `format` writes integral values with a trailing `.0`
 * (`2` as `2.0`, like Python's `str(2.0)`), a form `int` never accepts.
 */
export const floatConverter: Converter<number> = {
  name: 'float',
  regex: new RegExp(FLOAT_SOURCE),
  rank: ConverterRank.FLOAT,
  match(text: string): boolean {
    return isFloatAt(text, 0, text.length);
  },
  parse: Number,
  format(value: number): string {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw badValue('float', 'a finite number', value);
    }
    const text = String(value);
    // An integral value gets ".0" so that the URL routes back to the float
    // route even where an `int` route competes for the same segment.
    return INTEGRAL.test(text) ? `${text}.0` : text;
  },
};

/**
 * `{slug}` or `{slug:str}`: one non-empty segment, any text without `/`,
 * handed over as a `string`. `format` also takes a finite `number` or a
 * `bigint`, written in decimal, since ids often reach `urlFor` as numbers.
 */
export const strConverter: Converter<string> = {
  name: 'str',
  regex: /[^/]+/,
  rank: ConverterRank.STR,
  match(text: string): boolean {
    return text.length !== 0 && text.indexOf('/') === -1;
  },
  parse(text: string): string {
    return text;
  },
  format(value: string): string {
    const v: unknown = value;
    if (typeof v === 'string') return v;
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint') return String(v);
    throw badValue('str', 'a string, a finite number or a bigint', v);
  },
};

/**
 * `{u:uuid}`: a UUID in the canonical 8-4-4-4-12 hexadecimal form, either
 * case, handed over in lowercase. Braces, `urn:uuid:` and the 32-digit form
 * without dashes are rejected.
 */
export const uuidConverter: Converter<string> = {
  name: 'uuid',
  regex: /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/,
  rank: ConverterRank.UUID,
  match: isUuid,
  parse(text: string): string {
    return text.toLowerCase();
  },
  format(value: string): string {
    if (typeof value !== 'string' || !isUuid(value)) {
      throw badValue('uuid', 'a UUID string in 8-4-4-4-12 form', value);
    }
    return value.toLowerCase();
  },
};

/**
 * `{rest:path}`: the rest of the path, `/` included, at least one character.
 * Allowed only as the whole last segment of a pattern. The value is the
 * decoded text as the app received it: an app that maps it onto files must
 * still refuse `..` segments itself.
 */
export const pathConverter: Converter<string> = {
  name: 'path',
  match(text: string): boolean {
    return text.length !== 0;
  },
  parse(text: string): string {
    return text;
  },
  format(value: string): string {
    if (typeof value !== 'string') throw badValue('path', 'a string', value);
    return value;
  },
};

/** The converters every router knows, by name. Their names cannot be taken by user converters. */
export const builtinConverters: Readonly<Record<string, Converter>> = Object.freeze({
  int: intConverter as Converter,
  float: floatConverter as Converter,
  str: strConverter as Converter,
  uuid: uuidConverter as Converter,
  path: pathConverter as Converter,
});

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Tells whether `text` can name a parameter or a converter. */
export function isIdentifier(text: string): boolean {
  return IDENTIFIER.test(text);
}

// How a converter entry checks a segment: the built-ins in place, on a range
// of the path; every other converter through its own `match` or `regex`, on
// the text cut out.

/** A user converter: cut the text out and ask the converter. */
const CHECK_OWN = 0;
/** Any non-empty text: `str` within one segment, and `path`. */
const CHECK_ANY = 1;
/** The built-in `int`. */
const CHECK_INT = 2;
/** The built-in `uuid`. */
const CHECK_UUID = 3;
/** The built-in `float`. */
const CHECK_FLOAT = 4;

function checkOf(converter: Converter): number {
  if (converter === strConverter || converter === pathConverter) return CHECK_ANY;
  if (converter === intConverter) return CHECK_INT;
  if (converter === uuidConverter) return CHECK_UUID;
  if (converter === floatConverter) return CHECK_FLOAT;
  return CHECK_OWN;
}

/** A converter checked and prepared for matching. Internal to the router. */
export class ConverterEntry {
  readonly converter: Converter;
  readonly name: string;
  readonly rank: number;
  /** Whether this is the built-in `path`, the only converter that spans segments. */
  readonly spansSegments: boolean;
  /** The unanchored source for mixed segments, or `null` when it cannot take part in one. */
  readonly composableSource: string | null;
  /** Why the converter cannot take part in a mixed segment, for the error message. */
  readonly notComposableReason: string;
  /** How many capturing groups `composableSource` contains itself. */
  readonly innerGroups: number;
  /** Whether `parse` hands the text back unchanged (`str`, `path`), so lookups can skip the call. */
  readonly identity: boolean;
  private readonly check: number;
  private readonly hasMatch: boolean;
  private readonly anchored: RegExp | null;

  constructor(converter: Converter, spansSegments: boolean) {
    this.converter = converter;
    this.name = converter.name;
    this.rank = converter.rank ?? ConverterRank.CUSTOM;
    this.spansSegments = spansSegments;
    this.check = checkOf(converter);
    this.identity = converter === strConverter || converter === pathConverter;
    this.hasMatch = typeof converter.match === 'function';
    const regex = converter.regex;
    const flags = regex === undefined ? '' : regex.flags.replace(/[gyd]/g, '');
    this.anchored = regex === undefined ? null : new RegExp(`^(?:${regex.source})$`, flags);
    if (spansSegments) {
      this.composableSource = null;
      this.notComposableReason = 'it spans segments';
    } else if (regex === undefined) {
      this.composableSource = null;
      this.notComposableReason = 'it has no regex';
    } else if (flags !== '') {
      this.composableSource = null;
      this.notComposableReason = `its regex has flags "${flags}"`;
    } else {
      this.composableSource = regex.source;
      this.notComposableReason = '';
    }
    // An alternative that matches the empty string reveals the group count.
    this.innerGroups =
      this.composableSource === null
        ? 0
        : (new RegExp(`${this.composableSource}|`).exec('') as RegExpExecArray).length - 1;
  }

  /** Tells whether the converter accepts `text`, which is never empty. */
  accepts(text: string): boolean {
    if (this.hasMatch) return (this.converter.match as (text: string) => boolean)(text);
    return (this.anchored as RegExp).test(text);
  }

  /**
   * Tells whether the converter accepts the text of `path` from `start` to
   * `end`: never empty, and without `/` unless the converter spans segments.
   * The built-ins decide without cutting the text out.
   */
  acceptsAt(path: string, start: number, end: number): boolean {
    switch (this.check) {
      case CHECK_ANY:
        return true;
      case CHECK_INT:
        return isCanonicalUintAt(path, start, end);
      case CHECK_UUID:
        return isUuidAt(path, start, end);
      case CHECK_FLOAT:
        return isFloatAt(path, start, end);
      default:
        return this.accepts(path.slice(start, end));
    }
  }

  /** The value of accepted text, as the handler receives it. */
  parse(text: string): unknown {
    return this.identity ? text : this.converter.parse(text);
  }
}

function badConverter(message: string): RouterError {
  return new RouterError(RouterErrorCode.BAD_CONVERTER, message);
}

/** Checks a user converter and prepares it. Throws a `BAD_CONVERTER` {@link RouterError}. */
export function prepareConverter(converter: Converter): ConverterEntry {
  if (typeof converter !== 'object' || converter === null) {
    throw badConverter('a converter must be an object');
  }
  const { name, regex, rank } = converter;
  if (typeof name !== 'string' || !isIdentifier(name)) {
    throw badConverter(
      `converter name ${JSON.stringify(name)} must be letters, digits and "_", not starting with a digit`,
    );
  }
  if (regex !== undefined && !(regex instanceof RegExp)) {
    throw badConverter(`converter "${name}": regex must be a RegExp`);
  }
  if (regex === undefined && typeof converter.match !== 'function') {
    throw badConverter(`converter "${name}" needs a regex or a match function`);
  }
  if (converter.match !== undefined && typeof converter.match !== 'function') {
    throw badConverter(`converter "${name}": match must be a function`);
  }
  if (
    regex !== undefined &&
    (regex.source.startsWith('^') || /(^|[^\\])(\\\\)*\$$/.test(regex.source))
  ) {
    throw badConverter(`converter "${name}": regex must not be anchored with ^ or $`);
  }
  if (typeof converter.parse !== 'function' || typeof converter.format !== 'function') {
    throw badConverter(`converter "${name}" needs parse and format functions`);
  }
  if (rank !== undefined && (typeof rank !== 'number' || !Number.isFinite(rank))) {
    throw badConverter(`converter "${name}": rank must be a finite number`);
  }
  return new ConverterEntry(converter, false);
}

/** The converters one router knows, built-ins first. Internal to the router. */
export class ConverterRegistry {
  private readonly entries = new Map<string, ConverterEntry>();

  constructor() {
    for (const converter of Object.values(builtinConverters)) {
      this.entries.set(converter.name, new ConverterEntry(converter, converter === pathConverter));
    }
  }

  /** Adds a user converter. Throws `BAD_CONVERTER` when it is malformed or its name is taken. */
  add(converter: Converter): void {
    const entry = prepareConverter(converter);
    if (this.entries.has(entry.name)) {
      throw badConverter(`a converter named "${entry.name}" is already registered`);
    }
    this.entries.set(entry.name, entry);
  }

  /** The converter registered under `name`, if any. */
  get(name: string): ConverterEntry | undefined {
    return this.entries.get(name);
  }

  /** Every registered name, for error messages. */
  names(): string[] {
    return [...this.entries.keys()];
  }
}
