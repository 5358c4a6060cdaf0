/**
 * Media types as they appear in `content-type`: `type/subtype; name=value`.
 *
 * @module
 */

/** A parsed media type. */
export interface MediaType {
  /** `type/subtype`, lowercase, without parameters. */
  readonly type: string;
  /** The parameters, names lowercase, values unquoted; the first of a repeated name wins. */
  readonly params: ReadonlyMap<string, string>;
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map();

/**
 * Parses a `content-type` value. Parameter values may be tokens or quoted
 * strings with backslash escapes. Malformed parameters are skipped rather than
 * failing the whole value: the type is what callers check first.
 *
 * @param value - the header value, or `undefined` when absent.
 * @returns the media type, or `null` when absent or without a `type/subtype`.
 */
export function parseMediaType(value: string | undefined): MediaType | null {
  if (value === undefined) return null;
  const semi = value.indexOf(';');
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = type.indexOf('/');
  if (slash <= 0 || slash === type.length - 1) return null;
  if (semi === -1) return { type, params: NO_PARAMS };
  const params = new Map<string, string>();
  let i = semi + 1;
  while (i < value.length) {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    const eq = value.indexOf('=', i);
    if (eq === -1) break;
    const stray = value.indexOf(';', i);
    if (stray !== -1 && stray < eq) {
      // A parameter without `=`: skip it, keep the ones after it.
      i = stray + 1;
      continue;
    }
    const name = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let paramValue = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        paramValue += value[i];
        i++;
      }
      const next = value.indexOf(';', i);
      i = next === -1 ? value.length : next;
    } else {
      const next = value.indexOf(';', i);
      const end = next === -1 ? value.length : next;
      paramValue = value.slice(i, end).trim();
      i = end;
    }
    if (name !== '' && !params.has(name)) params.set(name, paramValue);
  }
  return { type, params };
}

/** Tells whether a media type is JSON: `application/json` or any `+json` type. */
export function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}
