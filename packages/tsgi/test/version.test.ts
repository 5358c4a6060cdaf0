import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TSGI_VERSION } from '../src/index.js';

it('names spec version 1.0', () => {
  assert.equal(TSGI_VERSION, '1.0');
});
