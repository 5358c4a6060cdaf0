/**
 * The echonext router: patterns, converters, the route tree and `urlFor`.
 *
 * @module
 */

export {
  builtinConverters,
  type Converter,
  ConverterRank,
  floatConverter,
  intConverter,
  pathConverter,
  strConverter,
  uuidConverter,
} from './converters.js';
export { RouterError, RouterErrorCode, type RouterErrorCodeValue } from './errors.js';
export type { BuiltinParamTypes, PatternParams } from './pattern.js';
export type {
  Route,
  RouteFound,
  RouteMatch,
  RouteMethodNotAllowed,
  RouteNotFound,
  RouteOptions,
  RouteParams,
  RouteRedirect,
} from './route.js';
export {
  type AddRouteOptions,
  Router,
  type RouterOptions,
  type TrailingSlashPolicy,
} from './router.js';
