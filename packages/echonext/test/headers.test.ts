import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderList } from 'tsgi';
import {
  appendHeader,
  deleteHeader,
  HeadersView,
  headerValue,
  headerValues,
  normalizeHeaders,
  setHeader,
} from '../src/headers.js';
import { UsageErrorCode } from '../src/usage-error.js';

describe('HeadersView', () => {
  const list: HeaderList = [
    ['host', 'example.test'],
    ['accept', 'text/html'],
    ['x-tag', 'a'],
    ['accept', 'application/json'],
    ['x-tag', 'b'],
    ['cookie', 'a=1'],
    ['cookie', 'b=2'],
  ];
  const view = new HeadersView(list);

  it('finds lowercase scope names whatever the case asked for', () => {
    assert.equal(view.get('Host'), 'example.test');
    assert.equal(view.get('HOST'), 'example.test');
    assert.equal(view.has('X-Tag'), true);
    assert.equal(view.has('x-missing'), false);
    assert.equal(view.get('x-missing'), undefined);
  });

  it('keeps every value of a repeated field, in order', () => {
    assert.deepEqual(view.getAll('Accept'), ['text/html', 'application/json']);
    assert.deepEqual(view.getAll('x-tag'), ['a', 'b']);
    assert.deepEqual(view.getAll('nope'), []);
  });

  it('joins repeated fields with ", ", and cookie fields with "; "', () => {
    assert.equal(view.get('accept'), 'text/html, application/json');
    assert.equal(view.get('cookie'), 'a=1; b=2');
  });

  it('lists distinct names and iterates every field without copying the list', () => {
    assert.deepEqual(view.keys(), ['host', 'accept', 'x-tag', 'cookie']);
    assert.equal(view.size, 7);
    assert.deepEqual([...view], list);
    assert.equal(view.raw, list);
    assert.deepEqual(view.toJSON().accept, 'text/html, application/json');
  });
});

describe('header list editing', () => {
  it('[HTTP-RESP-3] lowercases names given in any case, from pairs or a record', () => {
    assert.deepEqual(normalizeHeaders([['Content-Type', 'text/plain']]), [
      ['content-type', 'text/plain'],
    ]);
    assert.deepEqual(normalizeHeaders({ 'X-One': '1', Vary: ['accept', 'cookie'] }), [
      ['x-one', '1'],
      ['vary', 'accept'],
      ['vary', 'cookie'],
    ]);
  });

  it('[HTTP-RESP-3] refuses names that are not tokens and values with CR, LF or NUL', () => {
    for (const bad of ['', 'bad name', 'a:b', 'caf\u00e9']) {
      assert.throws(() => normalizeHeaders([[bad, 'v']]), { code: UsageErrorCode.INVALID_HEADER });
    }
    for (const bad of ['a\r\nx-injected: 1', 'a\nb', 'a\0']) {
      assert.throws(() => normalizeHeaders({ 'x-a': bad }), {
        code: UsageErrorCode.INVALID_HEADER,
      });
      assert.throws(() => setHeader([], 'x-a', bad), { code: UsageErrorCode.INVALID_HEADER });
    }
  });

  it('set replaces every value in place of the first; append keeps them; delete removes all', () => {
    const list: HeaderList = [
      ['a', '1'],
      ['vary', 'x'],
      ['b', '2'],
      ['vary', 'y'],
    ];
    setHeader(list, 'Vary', 'z');
    assert.deepEqual(list, [
      ['a', '1'],
      ['vary', 'z'],
      ['b', '2'],
    ]);
    appendHeader(list, 'VARY', 'w');
    assert.deepEqual(headerValues(list, 'vary'), ['z', 'w']);
    setHeader(list, 'new', 'n');
    assert.deepEqual(list.at(-1), ['new', 'n']);
    assert.equal(deleteHeader(list, 'Vary'), true);
    assert.equal(deleteHeader(list, 'vary'), false);
    assert.equal(headerValue(list, 'vary'), undefined);
    assert.deepEqual(list, [
      ['a', '1'],
      ['b', '2'],
      ['new', 'n'],
    ]);
  });
});
