/**
 * The request target: how `path`, `rawPath` and `queryString` are cut out of
 * it (HTTP-SCOPE-6 to HTTP-SCOPE-8, HTTP-SCOPE-17), and the authority of an
 * absolute-form target (HTTP-SCOPE-18).
 *
 * The common case, an origin-form target without `%`, costs two `indexOf`
 * calls and at most two slices: no URL object, no regular expression. Node's
 * parser (strict, as the server runs it) has already refused any target with
 * a byte above 0x7F.
 *
 * @module
 */

import { decodePath } from 'tsgi';

/** The parts of a request target, written by {@link TargetParts.parse}. */
export class TargetParts {
  /** The decoded path (HTTP-SCOPE-6); `*` for an asterisk-form target. */
  path = '';
  /** The path exactly as received, without the query (HTTP-SCOPE-7). */
  rawPath = '';
  /** The text after the first `?`, or `""` (HTTP-SCOPE-8). */
  queryString = '';
  /** The authority of an absolute-form target, or `null` for the other forms. */
  authority: string | null = null;

  /**
   * Cuts `target` into its parts, overwriting the previous ones. One instance
   * can serve every request of a server, since the parts are read at once.
   *
   * @returns `false` when the target has none of the forms a TSGI scope can
   *   carry: not origin-form (`/...`), not absolute-form with an `http` or
   *   `https` scheme and a host, and not `*`.
   */
  parse(target: string): boolean {
    if (target.charCodeAt(0) === 0x2f) {
      this.authority = null;
      this.#split(target, 0);
      return true;
    }
    if (target === '*') {
      this.authority = null;
      this.path = '*';
      this.rawPath = '*';
      this.queryString = '';
      return true;
    }
    return this.#parseAbsolute(target);
  }

  #split(target: string, from: number): void {
    const question = target.indexOf('?', from);
    if (question < 0) {
      this.rawPath = from === 0 ? target : target.slice(from);
      this.queryString = '';
    } else {
      this.rawPath = target.slice(from, question);
      this.queryString = target.slice(question + 1);
    }
    // Node's parser refuses a target with a byte above 0x7F (HPE_INVALID_URL),
    // so only an escape can make the decoded path differ from the raw one; an
    // indexOf is much cheaper than decodePath's own check.
    const rawPath = this.rawPath;
    this.path = rawPath.indexOf('%') === -1 ? rawPath : decodePath(rawPath);
  }

  #parseAbsolute(target: string): boolean {
    const separator = target.indexOf('://');
    if (separator < 0) return false;
    const scheme = target.slice(0, separator).toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') return false;
    const start = separator + 3;
    let end = start;
    while (end < target.length) {
      const code = target.charCodeAt(end);
      if (code === 0x2f || code === 0x3f || code === 0x23) break;
      end++;
    }
    const authority = target.slice(start, end);
    // RFC 9110 section 4.2.4: no userinfo in http(s) URIs; a host is required.
    if (authority === '' || authority.includes('@')) return false;
    this.authority = authority;
    if (end < target.length && target.charCodeAt(end) === 0x2f) {
      this.#split(target, end);
    } else {
      // An empty path is "/" (HTTP-SCOPE-7); a query may still follow.
      this.rawPath = '/';
      this.path = '/';
      this.queryString =
        end < target.length && target.charCodeAt(end) === 0x3f ? target.slice(end + 1) : '';
    }
    return true;
  }
}

/**
 * Tells whether `path` lies within the mount point `rootPath`: it is the
 * mount point itself or continues with `/` (HTTP-SCOPE-9).
 */
export function withinRoot(path: string, rootPath: string): boolean {
  if (rootPath === '') return true;
  if (!path.startsWith(rootPath)) return false;
  return path.length === rootPath.length || path.charCodeAt(rootPath.length) === 0x2f;
}
