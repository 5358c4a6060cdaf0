// Keeps src/types.ts and the JSON Schemas in step: for every scope and event interface, the schema
// with the same `type` must declare the same fields, require the same ones, allow the same kinds of
// value for each, and fix `type` to the interface's literal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  defsSchema,
  type JsonSchema,
  type SchemaName,
  schemaNames,
  schemas,
} from '../src/schemas.js';

const typesFile = fileURLToPath(new URL('../src/types.ts', import.meta.url));

// ------------------------------------------------------------------ types.ts as data

/** The kinds of JSON value the sync check tells apart; `Uint8Array` is `binary`. */
type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'binary';

/** One field of an interface, or of a schema. */
interface Field {
  readonly required: boolean;
  readonly kinds: ReadonlySet<string>;
  /** The string literals the field is limited to, when it is limited to literals. */
  readonly literals: ReadonlySet<string> | undefined;
}

/** An interface of types.ts with its inherited fields. */
interface Shape {
  readonly name: string;
  readonly fields: ReadonlyMap<string, Field>;
}

function loadInterfaces(): Map<string, Shape> {
  const program = ts.createProgram([typesFile], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(typesFile);
  assert.ok(source, `cannot read ${typesFile}`);

  const kindsOf = (type: ts.Type): { kinds: Set<string>; literals: Set<string> | undefined } => {
    const kinds = new Set<string>();
    const literals = new Set<string>();
    let onlyStringLiterals = true;
    for (const part of type.isUnion() ? type.types : [type]) {
      if (part.flags & ts.TypeFlags.Undefined) continue;
      if (part.isStringLiteral()) literals.add(part.value);
      else onlyStringLiterals = false;
      kinds.add(kindOfType(checker, part));
    }
    return { kinds, literals: onlyStringLiterals && literals.size > 0 ? literals : undefined };
  };

  const shapes = new Map<string, Shape>();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement)) continue;
    const symbol = checker.getSymbolAtLocation(statement.name);
    assert.ok(symbol, `no symbol for ${statement.name.text}`);
    const fields = new Map<string, Field>();
    // getPropertiesOfType includes the members an interface inherits with `extends`.
    for (const property of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
      const { kinds, literals } = kindsOf(checker.getTypeOfSymbol(property));
      fields.set(property.name, {
        required: (property.flags & ts.SymbolFlags.Optional) === 0,
        kinds,
        literals,
      });
    }
    shapes.set(statement.name.text, { name: statement.name.text, fields });
  }
  return shapes;
}

function kindOfType(checker: ts.TypeChecker, type: ts.Type): string {
  if (type.flags & ts.TypeFlags.StringLike) return 'string';
  if (type.flags & ts.TypeFlags.NumberLike) return 'number';
  if (type.flags & ts.TypeFlags.BooleanLike) return 'boolean';
  if (type.flags & ts.TypeFlags.Null) return 'null';
  if (type.flags & ts.TypeFlags.Object) {
    if (type.getSymbol()?.getName() === 'Uint8Array') return 'binary';
    if (checker.isArrayType(type) || checker.isTupleType(type)) return 'array';
    return 'object';
  }
  return `unsupported type ${checker.typeToString(type)}`;
}

// ------------------------------------------------------------------ the schemas as data

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const definitions = defsSchema.$defs;
assert.ok(isSchema(definitions), 'defs.json has $defs');

/** Follows a `$ref` into defs.json, from a schema file or from inside defs.json. */
function resolve(ref: string): JsonSchema {
  const match = /^(?:defs\.json)?#\/\$defs\/([^/]+)$/.exec(ref);
  const target = match ? (definitions as JsonSchema)[match[1]!] : undefined;
  assert.ok(isSchema(target), `cannot resolve $ref ${ref}`);
  return target;
}

function kindOfValue(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'object';
}

/** The kinds of value a schema admits, as far as the sync check needs them. */
function schemaKinds(schema: JsonSchema): Set<string> {
  if (schema.binary === true) return new Set(['binary']);
  const type = schema.type;
  if (typeof type === 'string' || Array.isArray(type)) {
    const types = (Array.isArray(type) ? type : [type]) as string[];
    return new Set(types.map((name) => (name === 'integer' ? 'number' : name)));
  }
  if ('const' in schema) return new Set([kindOfValue(schema.const)]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map(kindOfValue));
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    return new Set(
      branches.flatMap((branch) => (isSchema(branch) ? [...schemaKinds(branch)] : [])),
    );
  }
  if (typeof schema.$ref === 'string') return schemaKinds(resolve(schema.$ref));
  return new Set(['any']);
}

/** The string literals a schema limits a value to, if it does. */
function schemaLiterals(schema: JsonSchema): Set<string> | undefined {
  if (typeof schema.const === 'string') return new Set([schema.const]);
  if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string')) {
    return new Set(schema.enum as string[]);
  }
  if (typeof schema.$ref === 'string') return schemaLiterals(resolve(schema.$ref));
  return undefined;
}

function schemaFields(schema: JsonSchema): Map<string, Field> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields = new Map<string, Field>();
  for (const [name, property] of Object.entries(properties)) {
    assert.ok(isSchema(property), `property ${name} is not a schema object`);
    fields.set(name, {
      required: required.has(name),
      kinds: schemaKinds(property),
      literals: schemaLiterals(property),
    });
  }
  for (const name of required) {
    if (!fields.has(name))
      fields.set(name, { required: true, kinds: new Set(), literals: undefined });
  }
  return fields;
}

// ------------------------------------------------------------------ the comparison

const sorted = (values: Iterable<string>): string => [...values].sort().join(', ') || '(nothing)';

/**
 * Lists every difference between an interface and a schema, one readable line each. Kinds must be
 * equal; literals in the schema must be a subset of the interface's, since a schema may state a
 * rule of the spec more narrowly than a shared TypeScript type can.
 */
function compareShape(shape: Shape, schemaName: string, schema: JsonSchema): string[] {
  const problems: string[] = [];
  const fields = schemaFields(schema);
  const at = (field: string): string => `${shape.name}.${field} (schema ${schemaName})`;
  for (const [name, field] of shape.fields) {
    const other = fields.get(name);
    if (other === undefined) {
      problems.push(`${at(name)}: in types.ts, missing from the schema's properties`);
      continue;
    }
    if (field.required !== other.required) {
      problems.push(
        `${at(name)}: ${field.required ? 'required' : 'optional'} in types.ts, ` +
          `${other.required ? 'required' : 'optional'} in the schema`,
      );
    }
    if (sorted(field.kinds) !== sorted(other.kinds)) {
      problems.push(
        `${at(name)}: types.ts allows ${sorted(field.kinds)}, the schema ${sorted(other.kinds)}`,
      );
    }
    if (other.literals !== undefined) {
      const allowed = field.literals;
      const extra = [...other.literals].filter((value) => !allowed?.has(value));
      if (allowed === undefined || extra.length > 0) {
        problems.push(
          `${at(name)}: the schema allows ${sorted(other.literals)}, types.ts ` +
            `${allowed === undefined ? 'any string' : sorted(allowed)}`,
        );
      }
    } else if (field.literals !== undefined) {
      problems.push(`${at(name)}: types.ts allows only ${sorted(field.literals)}, the schema any`);
    }
  }
  for (const name of fields.keys()) {
    if (!shape.fields.has(name)) {
      problems.push(`${at(name)}: in the schema, missing from the interface in types.ts`);
    }
  }
  return problems;
}

/** The schema name of a scope or event interface, from its `type` literal. */
function schemaNameOf(shape: Shape): string | undefined {
  const literals = shape.fields.get('type')?.literals;
  if (literals === undefined || literals.size !== 1) return undefined;
  const [type] = literals as Set<string>;
  return type!.includes('.') ? type : `scope.${type}`;
}

// ------------------------------------------------------------------ tests

const interfaces = loadInterfaces();
const withType = [...interfaces.values()].filter((shape) => schemaNameOf(shape) !== undefined);

describe('types.ts and the JSON Schemas', () => {
  it('finds the scope and event interfaces of types.ts', () => {
    assert.ok(withType.length >= 24, `found only ${withType.length}`);
  });

  it('has a schema for every scope and event interface, and an interface for every schema', () => {
    const fromTypes = withType.map((shape) => schemaNameOf(shape)!).sort();
    const missingSchemas = fromTypes.filter((name) => !(schemaNames as string[]).includes(name));
    const missingTypes = schemaNames.filter((name) => !fromTypes.includes(name));
    assert.deepEqual(
      { missingSchemas, missingTypes },
      { missingSchemas: [], missingTypes: [] },
      'schemas without an interface, or interfaces without a schema',
    );
    assert.equal(new Set(fromTypes).size, fromTypes.length, 'two interfaces share a type literal');
  });

  for (const shape of withType) {
    const name = schemaNameOf(shape) as SchemaName;
    it(`${shape.name} matches schema ${name}`, (t) => {
      const schema = schemas[name];
      if (schema === undefined) {
        t.skip(`no schema ${name}`);
        return;
      }
      const type = schema.properties;
      assert.ok(isSchema(type) && isSchema(type.type), `${name} declares no type property`);
      assert.equal(
        type.type.const,
        [...shape.fields.get('type')!.literals!][0],
        `${shape.name}.type: the schema's const differs from the literal in types.ts`,
      );
      assert.deepEqual(compareShape(shape, name, schema), []);
    });
  }

  const nested: [interfaceName: string, definition: string][] = [
    ['Address', 'address'],
    ['TsgiInfo', 'tsgiInfo'],
    ['TlsInfo', 'tlsInfo'],
    ['Extensions', 'extensions'],
  ];
  for (const [interfaceName, definition] of nested) {
    it(`${interfaceName} matches defs.json#/$defs/${definition}`, () => {
      const shape = interfaces.get(interfaceName);
      assert.ok(shape, `types.ts has no interface ${interfaceName}`);
      assert.deepEqual(
        compareShape(shape, `defs ${definition}`, resolve(`#/$defs/${definition}`)),
        [],
      );
    });
  }

  it('reports a field the schema lacks, a wrong required flag and a wrong kind', () => {
    const shape = interfaces.get('HttpResponseStartEvent');
    assert.ok(shape);
    const schema = schemas['http.response.start'];
    const properties = schema.properties as JsonSchema;
    const broken: JsonSchema = {
      ...schema,
      required: ['type'],
      properties: {
        type: properties.type!,
        status: { type: 'string', description: 'x' },
        headers: properties.headers!,
        extra: { type: 'boolean', description: 'x' },
      },
    };
    assert.deepEqual(compareShape(shape, 'http.response.start', broken), [
      'HttpResponseStartEvent.status (schema http.response.start): required in types.ts, optional in the schema',
      'HttpResponseStartEvent.status (schema http.response.start): types.ts allows number, the schema string',
      "HttpResponseStartEvent.trailers (schema http.response.start): in types.ts, missing from the schema's properties",
      'HttpResponseStartEvent.extra (schema http.response.start): in the schema, missing from the interface in types.ts',
    ]);
  });
});
