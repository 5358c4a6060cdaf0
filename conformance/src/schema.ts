/**
 * Checks scopes and events against the JSON Schemas of the spec, with ajv's
 * draft 2020-12 build in strict mode and the spec's `binary` keyword.
 *
 * @module
 */

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { binaryKeyword, defsSchema, type SchemaName, schemas } from 'tsgi';

let ajv: Ajv2020 | null = null;
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (validate === undefined) {
    if (ajv === null) {
      ajv = new Ajv2020({ strict: true, allErrors: true });
      ajv.addKeyword(binaryKeyword);
      ajv.addSchema(defsSchema);
    }
    validate = ajv.compile(schemas[name]);
    compiled.set(name, validate);
  }
  return validate;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(the value)' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties' || error.keyword === 'required'
      ? ` ${JSON.stringify(error.params)}`
      : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}

/**
 * Validates `value` against the schema `name`; returns one line per problem,
 * an empty array when the value conforms.
 */
export function schemaProblems(name: SchemaName, value: unknown): string[] {
  const validate = validator(name);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}
