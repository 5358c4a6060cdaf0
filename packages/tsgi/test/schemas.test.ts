import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import {
  binaryKeyword,
  defsSchema,
  type JsonSchema,
  type JsonValue,
  type SchemaName,
  schemaNames,
  schemas,
} from '../src/schemas.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const schemaDir = join(root, 'spec/schemas');
const fixtureDir = join(schemaDir, 'fixtures');
const specFile = join(root, 'spec/tsgi.md');
const requirementId = /^[A-Z]+(?:-[A-Z]+)*-\d+$/;

/** A validator set up the way the README tells users to. */
function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addKeyword(binaryKeyword);
  ajv.addSchema(defsSchema);
  return ajv;
}

const ajv = createAjv();
const validators = new Map<SchemaName, ValidateFunction>();
function validatorFor(name: SchemaName): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    validate = ajv.compile(schemas[name]);
    validators.set(name, validate);
  }
  return validate;
}

function isSchemaName(name: string): name is SchemaName {
  return (schemaNames as readonly string[]).includes(name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ------------------------------------------------------------------ fixtures

interface Fixture {
  readonly file: string;
  readonly kind: 'valid' | 'invalid';
  readonly description: string;
  readonly requirement: string | undefined;
  readonly errorPath: string | undefined;
  readonly data: unknown;
}

/** Replaces every `{ "$bytes": "<base64>" }` with the Uint8Array it stands for (see the README). */
function decodeBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeBytes);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  const encoded = value.$bytes;
  if (keys.length === 1 && typeof encoded === 'string') {
    const bytes = Buffer.from(encoded, 'base64');
    // Buffer.from skips characters that are not base64; a typo must not pass silently.
    if (bytes.toString('base64') !== encoded) throw new Error(`invalid base64 ${encoded}`);
    return new Uint8Array(bytes);
  }
  return Object.fromEntries(keys.map((key) => [key, decodeBytes(value[key])]));
}

function loadFixture(path: string, kind: 'valid' | 'invalid', file: string): Fixture {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(raw)) throw new Error('a fixture is a JSON object');
  const { description, requirement, errorPath } = raw;
  if (typeof description !== 'string' || description === '') {
    throw new Error('description must be a non-empty string');
  }
  if (!('data' in raw)) throw new Error('data is missing');
  if (
    requirement !== undefined &&
    (typeof requirement !== 'string' || !requirementId.test(requirement))
  ) {
    throw new Error(`requirement must be a requirement ID, got ${JSON.stringify(requirement)}`);
  }
  if (kind === 'invalid' && typeof errorPath !== 'string') {
    throw new Error('an invalid fixture names its errorPath');
  }
  if (kind === 'valid' && errorPath !== undefined)
    throw new Error('a valid fixture has no errorPath');
  return {
    file,
    kind,
    description,
    requirement,
    errorPath: typeof errorPath === 'string' ? errorPath : undefined,
    data: decodeBytes(raw.data),
  };
}

function fixtureFiles(schema: string, kind: 'valid' | 'invalid'): string[] {
  const dir = join(fixtureDir, schema, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

/** Whether a JSON Pointer is `base` or below it. */
function isWithin(pointer: string, base: string): boolean {
  return base === '' || pointer === base || pointer.startsWith(`${base}/`);
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return ajv.errorsText(errors, { separator: '; ' });
}

// ------------------------------------------------------------------ the schemas

describe('TSGI 1.0 JSON Schemas', () => {
  it('has exactly the schema files that schemas.ts names', () => {
    const files = readdirSync(schemaDir)
      .filter((file) => file.endsWith('.json') && file !== 'defs.json')
      .map((file) => file.slice(0, -'.json'.length))
      .sort();
    assert.deepEqual(files, [...schemaNames].sort());
    assert.deepEqual(Object.keys(schemas).sort(), [...schemaNames].sort());
  });

  it('keeps src/schemas.ts generated from spec/schemas (run node scripts/gen-schemas.mjs)', async () => {
    const generatorUrl = pathToFileURL(join(root, 'scripts/gen-schemas.mjs')).href;
    const generator = (await import(generatorUrl)) as {
      generateSchemasSource(root?: string): string;
    };
    const expected = generator.generateSchemasSource(root);
    const actual = readFileSync(join(root, 'packages/tsgi/src/schemas.ts'), 'utf8');
    assert.ok(
      actual === expected,
      'packages/tsgi/src/schemas.ts is out of date: run node scripts/gen-schemas.mjs',
    );
  });

  it('ships in schemas.ts the same objects as the JSON files', () => {
    const read = (file: string): unknown => JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
    assert.deepEqual(defsSchema, read('defs.json'));
    for (const name of schemaNames) assert.deepEqual(schemas[name], read(`${name}.json`), name);
  });

  for (const name of schemaNames) {
    it(`compiles ${name} with ajv 2020 in strict mode`, () => {
      assert.equal(typeof validatorFor(name), 'function');
    });
  }

  it('gives every schema $schema, its $id, a title and a description', () => {
    const problems: string[] = [];
    const all: [string, JsonSchema][] = [
      ['defs', defsSchema],
      ...schemaNames.map((name): [string, JsonSchema] => [name, schemas[name]]),
    ];
    for (const [name, schema] of all) {
      if (schema.$schema !== 'https://json-schema.org/draft/2020-12/schema') {
        problems.push(`${name}: $schema is not draft 2020-12`);
      }
      if (schema.$id !== `https://tsgi.dev/schemas/1.0/${name}.json`) {
        problems.push(`${name}: $id is ${String(schema.$id)}`);
      }
      for (const key of ['title', 'description']) {
        if (typeof schema[key] !== 'string' || schema[key] === '') {
          problems.push(`${name}: no ${key}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('gives every field a description', () => {
    // The fields are the properties a schema declares at its top and in each definition of
    // defs.json; properties inside if/then or oneOf branches only restate constraints.
    const problems: string[] = [];
    const check = (schema: JsonValue | undefined, where: string): void => {
      const properties = isRecord(schema) ? schema.properties : undefined;
      if (!isRecord(properties)) return;
      for (const [key, property] of Object.entries(properties)) {
        const description = isRecord(property) ? property.description : undefined;
        if (typeof description !== 'string' || description === '') {
          problems.push(`${where}/properties/${key}`);
        }
      }
    };
    const definitions = defsSchema.$defs;
    assert.ok(isRecord(definitions), 'defs.json has $defs');
    for (const [key, definition] of Object.entries(definitions)) {
      if (!isRecord(definition) || typeof definition.description !== 'string') {
        problems.push(`defs/$defs/${key}`);
      }
      check(definition as JsonValue, `defs/$defs/${key}`);
    }
    for (const name of schemaNames) check(schemas[name], name);
    assert.deepEqual(problems, [], 'fields without a description');
  });

  it('has at least 2 valid and 3 invalid fixtures for every schema, and none for others', () => {
    const problems: string[] = [];
    for (const name of schemaNames) {
      const valid = fixtureFiles(name, 'valid').length;
      const invalid = fixtureFiles(name, 'invalid').length;
      if (valid < 2) problems.push(`${name}: ${valid} valid fixtures`);
      if (invalid < 3) problems.push(`${name}: ${invalid} invalid fixtures`);
    }
    for (const folder of readdirSync(fixtureDir)) {
      if (!isSchemaName(folder)) problems.push(`fixtures/${folder} names no schema`);
    }
    assert.deepEqual(problems, []);
  });

  it('cites only requirement IDs that spec/tsgi.md defines', {
    skip: existsSync(specFile) ? false : 'spec/tsgi.md is not written yet',
  }, () => {
    const spec = readFileSync(specFile, 'utf8');
    const cited = new Set<string>();
    const collect = (node: JsonValue): void => {
      if (typeof node === 'string') {
        for (const [, list] of node.matchAll(/\(([^()]*)\)/g)) {
          for (const item of (list ?? '').split(/,\s*/)) {
            if (requirementId.test(item)) cited.add(item);
          }
        }
      } else if (Array.isArray(node)) node.forEach(collect);
      else if (node !== null && typeof node === 'object') Object.values(node).forEach(collect);
    };
    collect(defsSchema);
    for (const name of schemaNames) collect(schemas[name]);
    for (const name of schemaNames) {
      for (const kind of ['valid', 'invalid'] as const) {
        for (const file of fixtureFiles(name, kind)) {
          const fixture = loadFixture(join(fixtureDir, name, kind, file), kind, file);
          if (fixture.requirement !== undefined) cited.add(fixture.requirement);
        }
      }
    }
    const unknown = [...cited].filter((id) => !new RegExp(`\\b${id}\\b`).test(spec));
    assert.deepEqual(unknown, [], 'requirement IDs not found in spec/tsgi.md');
  });
});

describe('the binary keyword', () => {
  const validate = (value: unknown): boolean => binaryKeyword.validate(true, value);

  it('[SRV-2] accepts a Uint8Array, a Buffer and an empty Uint8Array', () => {
    assert.equal(validate(new Uint8Array([1, 2])), true);
    assert.equal(validate(Buffer.from('x')), true);
    assert.equal(validate(new Uint8Array(0)), true);
  });

  it('[SRV-2] rejects an ArrayBuffer, a DataView, other typed arrays, strings and arrays', () => {
    const buffer = new ArrayBuffer(2);
    for (const value of [
      buffer,
      new DataView(buffer),
      new Uint16Array(1),
      'ab',
      [1, 2],
      {},
      null,
    ]) {
      assert.equal(validate(value), false, String(value));
    }
  });

  it('does nothing when set to false', () => {
    assert.equal(binaryKeyword.validate(false, 'anything'), true);
  });

  it('[HTTP-REQ-1] makes http.request reject a body that is not a Uint8Array', () => {
    const check = validatorFor('http.request');
    assert.equal(check({ type: 'http.request', body: new Uint8Array(1), moreBody: false }), true);
    assert.equal(check({ type: 'http.request', body: new ArrayBuffer(1), moreBody: false }), false);
    assert.deepEqual(
      check.errors?.map((error) => [error.instancePath, error.keyword]),
      [['/body', 'binary']],
    );
  });

  it('is required: strict ajv refuses the schemas without it', () => {
    const bare = new Ajv2020({ strict: true });
    assert.throws(() => bare.addSchema(defsSchema).compile(schemas['http.request']), /binary/);
  });
});

// ------------------------------------------------------------------ one test per fixture

for (const name of schemaNames) {
  describe(`${name} fixtures`, () => {
    for (const kind of ['valid', 'invalid'] as const) {
      for (const file of fixtureFiles(name, kind)) {
        const path = join(fixtureDir, name, kind, file);
        let fixture: Fixture;
        try {
          fixture = loadFixture(path, kind, file);
        } catch (error) {
          it(`loads ${kind}/${file}`, () => {
            throw error;
          });
          continue;
        }
        const cite = fixture.requirement === undefined ? '' : `[${fixture.requirement}] `;
        const verb = kind === 'valid' ? 'accepts' : 'rejects';
        it(`${cite}${verb} ${kind}/${file}: ${fixture.description}`, () => {
          const validate = validatorFor(name);
          const valid = validate(fixture.data);
          if (kind === 'valid') {
            assert.equal(valid, true, formatErrors(validate.errors));
            return;
          }
          assert.equal(valid, false, `${kind}/${file} passed ${name}`);
          const errorPath = fixture.errorPath ?? '';
          const elsewhere = (validate.errors ?? []).filter(
            (error) => !isWithin(error.instancePath, errorPath),
          );
          assert.deepEqual(
            elsewhere.map((error) => `${error.instancePath} ${error.message ?? error.keyword}`),
            [],
            `errors outside ${JSON.stringify(errorPath)}: the fixture breaks more than its rule`,
          );
        });
      }
    }
  });
}
