/**
 * Stable error codes of the fetch bridges, beside the package-wide ones in
 * `ErrorCode`.
 *
 * @module
 */

/** The codes of the `TsgiError`s the fetch bridges throw. */
export const FetchBridgeErrorCode = {
  /** A scope type the bridge cannot serve, such as `websocket`. */
  UNSUPPORTED_SCOPE: 'ERR_TSGI_FETCH_UNSUPPORTED_SCOPE',
  /** The scope names a TSGI major version the bridge does not know (VER-3). */
  UNSUPPORTED_VERSION: 'ERR_TSGI_FETCH_UNSUPPORTED_VERSION',
  /** A fetch handler returned something other than a usable `Response`. */
  INVALID_RESPONSE: 'ERR_TSGI_FETCH_INVALID_RESPONSE',
} as const;
