/**
 * Building paths from route names: `Router#urlFor`.
 *
 * Values are formatted by their converter, checked against that converter
 * again (so that a built path routes back), and percent-encoded per segment.
 *
 * @module
 */

import { RouterError, RouterErrorCode } from './errors.js';
import type { CompositeSegment, PatternParam } from './pattern.js';
import type { RouteParams, RouteRecord } from './route.js';

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** A `BAD_PARAM` error about one parameter of `route`. */
function badParam(
  route: RouteRecord<unknown>,
  param: string,
  problem: string,
  cause?: unknown,
): RouterError {
  const label = route.names[0] ?? route.pattern;
  return new RouterError(
    RouterErrorCode.BAD_PARAM,
    `urlFor(${JSON.stringify(label)}): parameter "${param}" of ${JSON.stringify(route.pattern)} ${problem}`,
    { pattern: route.pattern, cause },
  );
}

function format(route: RouteRecord<unknown>, param: PatternParam, params: RouteParams): string {
  const value = Object.hasOwn(params, param.name) ? params[param.name] : undefined;
  if (value === undefined) throw badParam(route, param.name, 'is missing');
  let text: unknown;
  try {
    text = param.converter.converter.format(value);
  } catch (cause) {
    throw badParam(route, param.name, `cannot be formatted: ${messageOf(cause)}`, cause);
  }
  if (typeof text !== 'string' || text === '' || !param.converter.accepts(text)) {
    throw badParam(
      route,
      param.name,
      `formats to ${JSON.stringify(text)}, which the ${param.converter.name} converter does not accept`,
    );
  }
  return text;
}

function encode(route: RouteRecord<unknown>, param: string, text: string): string {
  if (text === '.' || text === '..') {
    throw badParam(route, param, `would make a "${text}" segment, which clients remove from URLs`);
  }
  try {
    return encodeURIComponent(text);
  } catch (cause) {
    throw badParam(route, param, 'is not well-formed Unicode', cause);
  }
}

function composite(
  route: RouteRecord<unknown>,
  segment: CompositeSegment,
  params: RouteParams,
): string {
  let text = '';
  const values: string[] = [];
  for (const part of segment.parts) {
    if (typeof part === 'string') {
      text += part;
    } else {
      const value = format(route, part, params);
      values.push(value);
      text += value;
    }
  }
  // Neighbouring values can blur into each other ("a.b" + "." + "c"); refuse what would not route back.
  const match = segment.regex.exec(text);
  const first = segment.params[0]?.name ?? '';
  if (match === null || segment.groups.some((group, i) => match[group] !== values[i])) {
    throw badParam(
      route,
      first,
      `and its neighbours make segment ${JSON.stringify(text)}, which would not match them back`,
    );
  }
  return encode(route, first, text);
}

/** Builds the encoded path of `route` from `params`, which hold exactly its parameters. */
export function buildPath(route: RouteRecord<unknown>, params: RouteParams): string {
  for (const key of Object.keys(params)) {
    if (!route.paramNames.includes(key)) {
      throw badParam(route, key, 'is not a parameter of the pattern');
    }
  }
  let out = '';
  for (const segment of route.parsed.segments) {
    out += '/';
    switch (segment.kind) {
      case 'static':
        out += encodeURIComponent(segment.text);
        break;
      case 'param':
        out += encode(route, segment.name, format(route, segment, params));
        break;
      case 'path': {
        const text = format(route, segment, params);
        out += text
          .split('/')
          .map((part) => encode(route, segment.name, part))
          .join('/');
        break;
      }
      case 'composite':
        out += composite(route, segment, params);
        break;
    }
  }
  return out;
}
