/**
 * Route patterns: parsing, checking and the type of the parameters a pattern
 * declares.
 *
 * A pattern starts with `/` and is split on `/` into segments. A segment is
 * - static text (`index`), matched exactly, with no regular expression;
 * - one parameter filling the segment (`{article_id}`, `{id:int}`);
 * - a mixed segment of literal text and parameters (`{name}.{ext}`,
 *   `v{version:int}`), matched with one regular expression built at
 *   registration; two parameters must be separated by literal text;
 * - `{rest:path}`, which takes the rest of the path and must come last.
 *
 * Only the last segment may be empty: `/blog/` ends with an empty segment and
 * is a different pattern from `/blog`. Braces cannot appear as literal text.
 *
 * @module
 */

import type { ConverterEntry, ConverterRegistry } from './converters.js';
import { isIdentifier } from './converters.js';
import { RouterError, RouterErrorCode } from './errors.js';

/** A segment matched by exact text. */
export interface StaticSegment {
  readonly kind: 'static';
  readonly text: string;
}

/** A segment filled by one parameter. */
export interface ParamSegment {
  readonly kind: 'param';
  readonly name: string;
  readonly converter: ConverterEntry;
}

/** The `{name:path}` tail. */
export interface PathSegment {
  readonly kind: 'path';
  readonly name: string;
  readonly converter: ConverterEntry;
}

/** One parameter inside a mixed segment. */
export interface CompositeParam {
  readonly name: string;
  readonly converter: ConverterEntry;
}

/** A segment mixing literal text and parameters. */
export interface CompositeSegment {
  readonly kind: 'composite';
  /** The segment with parameter names left out (`{:str}.{:str}`): equal keys match equal text. */
  readonly key: string;
  /** Literal strings and parameters, in order. */
  readonly parts: readonly (string | CompositeParam)[];
  /** The parameters, in order. */
  readonly params: readonly CompositeParam[];
  /** The anchored expression for the whole segment. */
  readonly regex: RegExp;
  /** The index in a match of each parameter's group. */
  readonly groups: readonly number[];
  /** How many characters of literal text the segment has; more are tried first. */
  readonly literalLength: number;
}

/** One segment of a parsed pattern. */
export type Segment = StaticSegment | ParamSegment | PathSegment | CompositeSegment;

/** A parameter of a pattern, in the order it appears. */
export interface PatternParam {
  readonly name: string;
  readonly converter: ConverterEntry;
}

/** A pattern checked and split into segments. */
export interface ParsedPattern {
  readonly source: string;
  readonly segments: readonly Segment[];
  readonly params: readonly PatternParam[];
}

function badPattern(pattern: string, problem: string): RouterError {
  return new RouterError(
    RouterErrorCode.BAD_PATTERN,
    `bad route pattern ${JSON.stringify(pattern)}: ${problem}`,
    { pattern },
  );
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

interface ParamToken {
  readonly name: string;
  readonly converter: ConverterEntry;
}

function parseParam(
  pattern: string,
  body: string,
  registry: ConverterRegistry,
  seen: Set<string>,
): ParamToken {
  const colon = body.indexOf(':');
  const name = colon === -1 ? body : body.slice(0, colon);
  const converterName = colon === -1 ? 'str' : body.slice(colon + 1);
  if (name === '') throw badPattern(pattern, `parameter {${body}} has an empty name`);
  if (!isIdentifier(name) || name === '__proto__') {
    throw badPattern(
      pattern,
      `parameter name ${JSON.stringify(name)} must be letters, digits and "_", not starting with a digit`,
    );
  }
  if (converterName === '') throw badPattern(pattern, `parameter {${body}} has an empty converter`);
  const converter = registry.get(converterName);
  if (converter === undefined) {
    throw badPattern(
      pattern,
      `parameter {${body}} uses unknown converter "${converterName}" (known: ${registry.names().join(', ')})`,
    );
  }
  if (seen.has(name)) throw badPattern(pattern, `parameter name "${name}" appears twice`);
  seen.add(name);
  return { name, converter };
}

function tokenize(
  pattern: string,
  text: string,
  registry: ConverterRegistry,
  seen: Set<string>,
): (string | ParamToken)[] {
  const tokens: (string | ParamToken)[] = [];
  let literalStart = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '}') throw badPattern(pattern, `"}" in segment "${text}" closes nothing`);
    if (c !== '{') {
      i++;
      continue;
    }
    const close = text.indexOf('}', i + 1);
    const nextOpen = text.indexOf('{', i + 1);
    if (close === -1) throw badPattern(pattern, `"{" in segment "${text}" is never closed`);
    if (nextOpen !== -1 && nextOpen < close) {
      throw badPattern(pattern, `"{" in segment "${text}" opens inside another parameter`);
    }
    if (i > literalStart) tokens.push(text.slice(literalStart, i));
    tokens.push(parseParam(pattern, text.slice(i + 1, close), registry, seen));
    i = close + 1;
    literalStart = i;
  }
  if (literalStart < text.length) tokens.push(text.slice(literalStart));
  return tokens;
}

function compose(pattern: string, text: string, tokens: (string | ParamToken)[]): CompositeSegment {
  let source = '^';
  let key = '';
  let literalLength = 0;
  let group = 1;
  const params: CompositeParam[] = [];
  const groups: number[] = [];
  let previousWasParam = false;
  for (const token of tokens) {
    if (typeof token === 'string') {
      source += escapeRegex(token);
      key += token;
      literalLength += token.length;
      previousWasParam = false;
      continue;
    }
    const { name, converter } = token;
    if (previousWasParam) {
      throw badPattern(
        pattern,
        `parameters in segment "${text}" must be separated by literal text`,
      );
    }
    if (converter.spansSegments) {
      throw badPattern(pattern, `{${name}:path} must fill the last segment on its own`);
    }
    if (converter.composableSource === null) {
      throw badPattern(
        pattern,
        `converter "${converter.name}" cannot share segment "${text}" with literal text: ${converter.notComposableReason}`,
      );
    }
    source += `(${converter.composableSource})`;
    key += `{:${converter.name}}`;
    params.push({ name, converter });
    groups.push(group);
    group += 1 + converter.innerGroups;
    previousWasParam = true;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`${source}$`);
  } catch (cause) {
    throw new RouterError(
      RouterErrorCode.BAD_PATTERN,
      `bad route pattern ${JSON.stringify(pattern)}: segment "${text}" does not compile to a regular expression`,
      { pattern, cause },
    );
  }
  return { kind: 'composite', key, parts: tokens, params, regex, groups, literalLength };
}

/**
 * Parses and checks a pattern against the converters of `registry`.
 * Throws a {@link RouterError} with code `BAD_PATTERN` naming the problem.
 */
export function parsePattern(pattern: string, registry: ConverterRegistry): ParsedPattern {
  if (typeof pattern !== 'string') {
    throw new RouterError(RouterErrorCode.BAD_PATTERN, 'a route pattern must be a string');
  }
  if (!pattern.startsWith('/')) throw badPattern(pattern, 'a pattern must start with "/"');
  const texts = pattern.slice(1).split('/');
  const seen = new Set<string>();
  const segments: Segment[] = [];
  const params: PatternParam[] = [];
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index] as string;
    const last = index === texts.length - 1;
    if (text === '' && !last) throw badPattern(pattern, 'empty segment ("//")');
    const tokens = tokenize(pattern, text, registry, seen);
    const only = tokens[0];
    if (tokens.length === 0 || (tokens.length === 1 && typeof only === 'string')) {
      segments.push({ kind: 'static', text });
      continue;
    }
    if (tokens.length === 1 && only !== undefined && typeof only !== 'string') {
      if (only.converter.spansSegments) {
        if (!last) throw badPattern(pattern, `{${only.name}:path} must be the last segment`);
        segments.push({ kind: 'path', name: only.name, converter: only.converter });
      } else {
        segments.push({ kind: 'param', name: only.name, converter: only.converter });
      }
      params.push(only);
      continue;
    }
    const composite = compose(pattern, text, tokens);
    segments.push(composite);
    params.push(...composite.params);
  }
  return { source: pattern, segments, params };
}

/** The TypeScript type each built-in converter produces. */
export interface BuiltinParamTypes {
  /** `{x:int}` */
  int: number;
  /** `{x:float}` */
  float: number;
  /** `{x:str}` and `{x}` */
  str: string;
  /** `{x:uuid}` */
  uuid: string;
  /** `{x:path}` */
  path: string;
}

/**
 * The parameters a pattern literal declares, with the types the built-in
 * converters produce (`unknown` for user converters):
 * `PatternParams<'/article/{id:int}/{slug}'>` is `{ id: number } & { slug: string }`.
 *
 * @typeParam P - the pattern, as a string literal type.
 */
export type PatternParams<P extends string> = P extends `${string}{${infer Body}}${infer Rest}`
  ? (Body extends `${infer Name}:${infer Conv}`
      ? { [K in Name]: Conv extends keyof BuiltinParamTypes ? BuiltinParamTypes[Conv] : unknown }
      : { [K in Body]: string }) &
      PatternParams<Rest>
  : Record<never, never>;
