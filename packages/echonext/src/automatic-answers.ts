/**
 * The answers the app gives by itself when no route takes a request: 404,
 * 405 with `Allow`, `OPTIONS` with `Allow`, and trailing-slash redirects.
 *
 * @module
 */

import type { HttpScope } from 'tsgi';
import type { ErrorScope } from './error-scope.js';
import { MethodNotAllowed, NotFound } from './http-error.js';
import type { Handler } from './middleware.js';
import { Response, redirect } from './response.js';
import type { RouteMatch } from './router/route.js';

/** The `location` of a trailing-slash redirect, built from the raw path so that escapes survive. */
export function slashLocation(scope: HttpScope, change: 'add' | 'remove'): string | null {
  let raw = scope.rawPath;
  if (raw.charCodeAt(0) !== 47) return null;
  if (change === 'add') raw += '/';
  else if (raw.endsWith('/')) raw = raw.slice(0, -1);
  else if (/%2f$/i.test(raw)) raw = raw.slice(0, -3);
  else return null;
  // `//host` would be a link to another site.
  raw = raw.replace(/^[/\\]{2,}/, '/');
  return scope.queryString === '' ? raw : `${raw}?${scope.queryString}`;
}

/** The innermost step for a request no route takes: the automatic answers. */
export function missHandler(match: RouteMatch<unknown>, errors: ErrorScope): Handler {
  switch (match.kind) {
    case 'method-not-allowed':
      return (request) => errors.handle(new MethodNotAllowed(match.allowed), request);
    case 'options': {
      const allow = match.allowed.join(', ');
      return () => Promise.resolve(new Response(null, { status: 204, headers: { allow } }));
    }
    case 'redirect':
      return (request) => {
        const location = slashLocation(request.scope, match.trailingSlash);
        if (location === null) return errors.handle(new NotFound(), request);
        return Promise.resolve(redirect(location, match.status));
      };
    default:
      return (request) => errors.handle(new NotFound(), request);
  }
}
