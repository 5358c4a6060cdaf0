import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  builtinConverters,
  type Converter,
  ConverterRank,
  floatConverter,
  intConverter,
  pathConverter,
  strConverter,
  uuidConverter,
} from '../src/router/converters.js';
import { RouterError, RouterErrorCode } from '../src/router/errors.js';
import { Router } from '../src/router/router.js';

/** What a segment gives through `/x/{v:<converter>}`: the parsed value, or `undefined` for no match. */
function through(converter: string, text: string, router?: Router<string>): unknown {
  const r = router ?? new Router<string>({ trailingSlash: 'strict' });
  if (router === undefined) r.add('GET', `/x/{v:${converter}}`, converter);
  const result = r.lookup('GET', `/x/${text}`);
  return result.kind === 'found' ? result.params.v : undefined;
}

const UUID = '123e4567-e89b-12d3-a456-426614174000';

/** [converter, text, parsed value or `undefined` when the text is refused]. */
const TABLE: readonly (readonly [string, string, unknown])[] = [
  ['int', '0', 0],
  ['int', '7', 7],
  ['int', '1234567890', 1234567890],
  ['int', '9007199254740991', 9007199254740991],
  ['int', '9007199254740992', undefined],
  ['int', '99999999999999999', undefined],
  ['int', '-1', undefined],
  ['int', '+1', undefined],
  ['int', '1.5', undefined],
  ['int', '01', undefined],
  ['int', '00', undefined],
  ['int', '1e3', undefined],
  ['int', '0x10', undefined],
  ['int', '12a', undefined],
  ['int', '\u0661', undefined],
  ['float', '1.5', 1.5],
  ['float', '-2', -2],
  ['float', '0', 0],
  ['float', '1e3', 1000],
  ['float', '2.5E-3', 0.0025],
  ['float', '-0.75e+2', -75],
  ['float', '007.5', 7.5],
  ['float', '+1', undefined],
  ['float', '.5', undefined],
  ['float', '1.', undefined],
  ['float', '1e', undefined],
  ['float', 'Infinity', undefined],
  ['float', 'NaN', undefined],
  ['float', '1e999', undefined],
  ['float', '0x1A', undefined],
  ['float', '1,5', undefined],
  ['str', 'hello', 'hello'],
  ['str', 'with space', 'with space'],
  ['str', '%41', '%41'],
  ['str', 'caf\u00e9', 'caf\u00e9'],
  ['str', '..', '..'],
  ['uuid', UUID, UUID],
  ['uuid', UUID.toUpperCase(), UUID],
  ['uuid', '123E4567-e89b-12D3-A456-426614174000', UUID],
  ['uuid', UUID.replaceAll('-', ''), undefined],
  ['uuid', `{${UUID}}`, undefined],
  ['uuid', `${UUID}0`, undefined],
  ['uuid', UUID.replace('1', 'g'), undefined],
  ['uuid', '123e4567-e89b-12d3-a456_426614174000', undefined],
  ['path', 'a', 'a'],
  ['path', 'a/b/c', 'a/b/c'],
  ['path', 'a//b/', 'a//b/'],
];

describe('router converters: built-ins', () => {
  for (const [converter, text, expected] of TABLE) {
    const verdict = expected === undefined ? 'refuses' : `parses to ${String(expected)}`;
    it(`${converter}: ${JSON.stringify(text)} ${verdict}`, () => {
      assert.equal(through(converter, text), expected);
    });
  }

  it('str refuses a "/" and never sees one from a path', () => {
    assert.equal(strConverter.match?.('a/b'), false);
    assert.equal(through('str', 'a/b'), undefined);
  });

  it('formats values back to text each converter accepts', () => {
    assert.equal(intConverter.format(42), '42');
    assert.equal(floatConverter.format(1.5), '1.5');
    assert.equal(floatConverter.format(2), '2.0');
    assert.equal(floatConverter.format(-3), '-3.0');
    assert.equal(floatConverter.format(1e21), '1e+21');
    assert.equal(intConverter.match?.(floatConverter.format(2)), false);
    assert.equal(floatConverter.match?.(floatConverter.format(1e21)), true);
    assert.equal(strConverter.format('x'), 'x');
    assert.equal(strConverter.format(5 as unknown as string), '5');
    assert.equal(uuidConverter.format(UUID.toUpperCase()), UUID);
    assert.equal(pathConverter.format('a/b'), 'a/b');
  });

  it('refuses to format values of the wrong type, with BAD_PARAM', () => {
    const bad: [Converter, unknown][] = [
      [intConverter, -1],
      [intConverter, 1.5],
      [intConverter, '5'],
      [intConverter, 2 ** 53],
      [floatConverter, Number.NaN],
      [floatConverter, Number.POSITIVE_INFINITY],
      [floatConverter, '1.5'],
      [strConverter, {}],
      [strConverter, Number.NaN],
      [uuidConverter, 'not-a-uuid'],
      [pathConverter, 5],
    ];
    for (const [converter, value] of bad) {
      assert.throws(
        () => converter.format(value),
        (error: unknown) =>
          error instanceof RouterError && error.code === RouterErrorCode.BAD_PARAM,
        `${converter.name} ${String(value)}`,
      );
    }
  });

  it('exposes every built-in by name, with ranks in priority order', () => {
    assert.deepEqual(Object.keys(builtinConverters).sort(), [
      'float',
      'int',
      'path',
      'str',
      'uuid',
    ]);
    assert.ok(Object.isFrozen(builtinConverters));
    assert.ok(ConverterRank.INT < ConverterRank.UUID);
    assert.ok(ConverterRank.UUID < ConverterRank.FLOAT);
    assert.ok(ConverterRank.FLOAT < ConverterRank.CUSTOM);
    assert.ok(ConverterRank.CUSTOM < ConverterRank.STR);
  });

  it('uses converters inside mixed segments with the same rules', () => {
    const router = new Router<string>({ trailingSlash: 'strict' });
    router.add('GET', '/v{n:int}', 'int');
    router.add('GET', '/at{x:float}km', 'float');
    router.add('GET', '/id-{u:uuid}', 'uuid');
    const params = (path: string) => {
      const r = router.lookup('GET', path);
      return r.kind === 'found' ? { ...r.params } : undefined;
    };
    assert.deepEqual(params('/v3'), { n: 3 });
    assert.equal(params('/v03'), undefined);
    assert.equal(params('/v99999999999999999'), undefined);
    assert.deepEqual(params('/at-1.5e2km'), { x: -150 });
    assert.equal(params('/at1e999km'), undefined);
    assert.deepEqual(params(`/id-${UUID.toUpperCase()}`), { u: UUID });
  });
});

/** A two-letter country code, uppercase, as a match function. */
const country: Converter<string> = {
  name: 'country',
  match: (text) => /^[A-Z]{2}$/.test(text),
  parse: (text) => text,
  format: (value) => value.toUpperCase(),
};

/** An ISO date, as a regex, parsed to a Date. */
const isoDate: Converter<Date> = {
  name: 'date',
  regex: /[0-9]{4}-[0-9]{2}-[0-9]{2}/,
  parse: (text) => new Date(`${text}T00:00:00Z`),
  format: (value) => value.toISOString().slice(0, 10),
};

/** Lowercase hexadecimal, with a capturing group of its own, parsed to a number. */
const hex: Converter<number> = {
  name: 'hex',
  regex: /(0x)?[0-9a-f]+/,
  rank: 5,
  parse: (text) => Number.parseInt(text.replace(/^0x/, ''), 16),
  format: (value) => value.toString(16),
};

describe('router converters: user converters', () => {
  it('registers converters through the options and through addConverter', () => {
    const router = new Router<string>({ converters: [country] }).addConverter(isoDate);
    router.add('GET', '/c/{code:country}', 'country', { name: 'country' });
    router.add('GET', '/d/{day:date}', 'date', { name: 'date' });
    const c = router.lookup('GET', '/c/FR');
    assert.deepEqual(c.kind === 'found' && { ...c.params }, { code: 'FR' });
    assert.equal(router.lookup('GET', '/c/fr').kind, 'not-found');
    const d = router.lookup('GET', '/d/2024-02-29');
    assert.ok(d.kind === 'found' && d.params.day instanceof Date);
    assert.equal(
      d.kind === 'found' && (d.params.day as Date).toISOString(),
      '2024-02-29T00:00:00.000Z',
    );
    assert.equal(router.lookup('GET', '/d/2024-02-29x').kind, 'not-found', 'the regex is anchored');
    assert.equal(router.urlFor('date', { day: new Date('2020-01-02T00:00:00Z') }), '/d/2020-01-02');
    assert.equal(router.urlFor('country', { code: 'de' }), '/c/DE');
  });

  it('tries a user converter after the built-in specific ones and before str', () => {
    for (const reverse of [false, true]) {
      const rows: [string, string][] = [
        ['/p/{v}', 'str'],
        ['/p/{v:country}', 'country'],
        ['/p/{v:int}', 'int'],
      ];
      if (reverse) rows.reverse();
      const router = new Router<string>({ converters: [country] });
      for (const [pattern, id] of rows) router.add('GET', pattern, id);
      assert.equal((router.lookup('GET', '/p/FR') as { handler: string }).handler, 'country');
      assert.equal((router.lookup('GET', '/p/12') as { handler: string }).handler, 'int');
      assert.equal((router.lookup('GET', '/p/FRA') as { handler: string }).handler, 'str');
    }
  });

  it('honours a rank given by the converter', () => {
    const router = new Router<string>({ converters: [hex] });
    router.add('GET', '/h/{n:int}', 'int');
    router.add('GET', '/h/{n:hex}', 'hex');
    const result = router.lookup('GET', '/h/10');
    assert.equal(result.kind === 'found' && result.handler, 'hex');
    assert.deepEqual(result.kind === 'found' && { ...result.params }, { n: 16 });
  });

  it('counts the capturing groups of a user regex inside a mixed segment', () => {
    const router = new Router<string>({ converters: [hex] });
    router.add('GET', '/color/{rgb:hex}-{alpha:int}', 'color', { name: 'color' });
    const result = router.lookup('GET', '/color/0xff00aa-50');
    assert.deepEqual(result.kind === 'found' && { ...result.params }, { rgb: 0xff00aa, alpha: 50 });
    assert.equal(router.urlFor('color', { rgb: 255, alpha: 3 }), '/color/ff-3');
  });

  it('lets a match function confirm what its regex captured in a mixed segment', () => {
    const even: Converter<number> = {
      name: 'even',
      regex: /[0-9]+/,
      match: (text) => /^[0-9]+$/.test(text) && Number(text) % 2 === 0,
      parse: Number,
      format: String,
    };
    const router = new Router<string>({ converters: [even] });
    router.add('GET', '/page-{n:even}', 'even');
    assert.equal(router.lookup('GET', '/page-4').kind, 'found');
    assert.equal(router.lookup('GET', '/page-5').kind, 'not-found');
  });

  it('keeps a case-insensitive regex for whole segments', () => {
    const word: Converter<string> = {
      name: 'yes',
      regex: /yes|oui/i,
      parse: (text) => text.toLowerCase(),
      format: (value) => value,
    };
    const router = new Router<string>({ converters: [word] });
    router.add('GET', '/answer/{a:yes}', 'yes');
    const result = router.lookup('GET', '/answer/OUI');
    assert.deepEqual(result.kind === 'found' && { ...result.params }, { a: 'oui' });
  });

  it('ignores the g and y flags, which would make a regex stateful', () => {
    const digits: Converter<string> = {
      name: 'digits',
      regex: /[0-9]+/gy,
      parse: (text) => text,
      format: (value) => value,
    };
    const router = new Router<string>({ converters: [digits] });
    router.add('GET', '/n/{d:digits}', 'digits');
    for (let i = 0; i < 3; i++) assert.equal(router.lookup('GET', '/n/123').kind, 'found');
  });
});

describe('router converters: bad definitions', () => {
  function rejects(converter: unknown, fragment: string): void {
    assert.throws(
      () => new Router({ converters: [converter as Converter] }),
      (error: unknown) =>
        error instanceof RouterError &&
        error.code === RouterErrorCode.BAD_CONVERTER &&
        error.message.includes(fragment),
      fragment,
    );
  }

  it('refuses a converter without regex or match', () => {
    rejects({ name: 'x', parse: String, format: String }, 'needs a regex or a match function');
  });

  it('refuses a converter without parse or format', () => {
    rejects({ name: 'x', regex: /a/, format: String }, 'needs parse and format');
    rejects({ name: 'x', regex: /a/, parse: String }, 'needs parse and format');
  });

  it('refuses a bad name, an anchored regex, a non-RegExp regex and a bad rank', () => {
    rejects({ name: '9x', regex: /a/, parse: String, format: String }, 'converter name "9x"');
    rejects({ name: '', regex: /a/, parse: String, format: String }, 'converter name ""');
    rejects({ name: 'x', regex: /^a/, parse: String, format: String }, 'must not be anchored');
    rejects({ name: 'x', regex: /a$/, parse: String, format: String }, 'must not be anchored');
    rejects({ name: 'x', regex: '[a-z]+', parse: String, format: String }, 'must be a RegExp');
    rejects({ name: 'x', regex: /a/, rank: Number.NaN, parse: String, format: String }, 'rank');
    rejects({ name: 'x', regex: /a/, match: true, parse: String, format: String }, 'match must');
    rejects(null, 'must be an object');
  });

  it('accepts a regex that ends with an escaped dollar', () => {
    const money: Converter<string> = {
      name: 'money',
      regex: /[0-9]+\$/,
      parse: (text) => text,
      format: (value) => value,
    };
    const router = new Router<string>({ converters: [money] });
    router.add('GET', '/price/{p:money}', 'price');
    assert.equal(router.lookup('GET', '/price/12$').kind, 'found');
  });

  it('refuses to replace a built-in or to register a name twice', () => {
    rejects({ ...intConverter, name: 'int' }, 'already registered');
    const router = new Router({ converters: [country] });
    assert.throws(
      () => router.addConverter(country),
      (error: unknown) =>
        error instanceof RouterError &&
        error.code === RouterErrorCode.BAD_CONVERTER &&
        error.message.includes('"country" is already registered'),
    );
  });

  it('refuses, at registration, a mixed segment with a converter that cannot take part', () => {
    const router = new Router<string>({ converters: [country] });
    router.addConverter({
      name: 'ci',
      regex: /[a-z]+/i,
      parse: (text: string) => text,
      format: (value: string) => value,
    });
    const badPattern = (pattern: string, fragment: string) =>
      assert.throws(
        () => router.add('GET', pattern, 'x'),
        (error: unknown) =>
          error instanceof RouterError &&
          error.code === RouterErrorCode.BAD_PATTERN &&
          error.message.includes(pattern) &&
          error.message.includes(fragment),
        pattern,
      );
    badPattern('/in-{c:country}', 'it has no regex');
    badPattern('/word-{w:ci}', 'its regex has flags "i"');
    badPattern('/files/x{rest:path}', 'must fill the last segment');
  });
});
