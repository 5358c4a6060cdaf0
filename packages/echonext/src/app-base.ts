/**
 * The base of {@link EchoNext}: what makes an instance callable as a TSGI
 * application, and the per-method shortcuts of route registration, all of
 * them built on `on()`.
 *
 * @module
 */

import type { Receive, Scope, Send } from 'tsgi';
import { ALL_METHODS, type ViewOptions } from './app-options.js';
import type { PatternParams } from './router/pattern.js';
import type { ViewFunction } from './views.js';

/** How a call of an app is served: set once, by the class that extends {@link AppRouteMethods}. */
type Enter = (app: object, scope: Scope, receive: Receive, send: Send) => Promise<void>;

let enter: Enter = () => Promise.reject(new Error('echonext: no entry point is bound'));

/**
 * Binds what a call of an app does. The app class calls it once, from a
 * static block, so that calls reach its private entry point.
 *
 * @param fn - serves one call of `app`.
 */
export function bindEntry(fn: Enter): void {
  enter = fn;
}

/**
 * Makes instances callable: the constructor returns a function whose
 * prototype is the subclass's, so `new EchoNext()` is a function that also
 * has every method and private field of the class.
 */
class CallableApplication {
  constructor() {
    const app = ((scope: Scope, receive: Receive, send: Send) =>
      enter(app, scope, receive, send)) as unknown as CallableApplication;
    Object.setPrototypeOf(app, new.target.prototype);
    // biome-ignore lint/correctness/noConstructorReturn: the instance must be a function to be a TSGI Application.
    return app;
  }
}

/**
 * The route registration shortcuts of an app: one method per HTTP method,
 * each a call of {@link AppRouteMethods.on}.
 */
export abstract class AppRouteMethods extends CallableApplication {
  /**
   * Registers a function view for `GET` (and so `HEAD`) on `pattern`.
   *
   * @param pattern - the route pattern, such as `/article/{article_id:int}`.
   * @param view - the view; its request's `params` are typed from the pattern.
   * @param options - a name and a body limit.
   * @returns this app, for chaining.
   * @throws `RouterError` for a bad or conflicting pattern or name;
   *   {@link AppError} for a bad view or option, or once the app is frozen.
   */
  get<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('GET', pattern, view, options);
  }

  /** Registers a function view for `POST`; see {@link EchoNext.get}. */
  post<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('POST', pattern, view, options);
  }

  /** Registers a function view for `PUT`; see {@link EchoNext.get}. */
  put<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('PUT', pattern, view, options);
  }

  /** Registers a function view for `PATCH`; see {@link EchoNext.get}. */
  patch<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('PATCH', pattern, view, options);
  }

  /** Registers a function view for `DELETE`; see {@link EchoNext.get}. */
  delete<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('DELETE', pattern, view, options);
  }

  /**
   * Registers a function view for `HEAD`, replacing the automatic `HEAD`
   * (the `GET` view without the body) on this route. Its body is dropped.
   * See {@link EchoNext.get}.
   */
  head<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('HEAD', pattern, view, options);
  }

  /**
   * Registers a function view for `OPTIONS`, replacing the automatic answer
   * (204 with `Allow`) on this route. See {@link EchoNext.get}.
   */
  options<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on('OPTIONS', pattern, view, options);
  }

  /**
   * Registers one function view for `GET`, `POST`, `PUT`, `PATCH` and
   * `DELETE` ({@link ALL_METHODS}); `HEAD` follows `GET` and `OPTIONS` stays
   * automatic. See {@link EchoNext.get}.
   */
  all<Path extends string>(
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this {
    return this.on(ALL_METHODS, pattern, view, options);
  }

  /**
   * Registers a function view for any method or list of methods, such as
   * `PURGE` or `['GET', 'POST']`.
   *
   * @param method - an uppercase method token, or a list of them.
   * @param pattern - the route pattern.
   * @param view - the view.
   * @param options - a name and a body limit.
   * @returns this app, for chaining.
   */
  abstract on<Path extends string>(
    method: string | readonly string[],
    pattern: Path,
    view: ViewFunction<PatternParams<Path>>,
    options?: ViewOptions,
  ): this;
}
