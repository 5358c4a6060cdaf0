/**
 * The validator: `validate(app)` and the scope checks it runs.
 *
 * @module
 */

export {
  checkHttpScope,
  checkLifespanScope,
  checkScope,
  checkWebSocketScope,
} from './scope.js';
export { type ValidateOptions, validate } from './validate.js';
