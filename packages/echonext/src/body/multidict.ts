/**
 * A read-only map from names to one or more values, in the order received:
 * the shape of query strings and form bodies, where a name may repeat.
 *
 * @module
 */

/**
 * Names to values, repeats kept. `get` gives the first value of a name and
 * `getAll` every one; iteration yields each `[name, value]` entry in order.
 *
 * @typeParam V - the value type.
 */
export class MultiDict<V> implements Iterable<[string, V]> {
  readonly #entries: readonly [string, V][];
  readonly #index: Map<string, V[]>;

  /** @param entries - the entries in order; kept, not copied. */
  constructor(entries: readonly [string, V][]) {
    this.#entries = entries;
    this.#index = new Map();
    for (const [name, value] of entries) {
      const values = this.#index.get(name);
      if (values === undefined) this.#index.set(name, [value]);
      else values.push(value);
    }
  }

  /** The first value of `name`, or `undefined` when absent. */
  get(name: string): V | undefined {
    return this.#index.get(name)?.[0];
  }

  /** Every value of `name`, in order; a new array, empty when absent. */
  getAll(name: string): V[] {
    return this.#index.get(name)?.slice() ?? [];
  }

  /** Tells whether `name` is present. */
  has(name: string): boolean {
    return this.#index.has(name);
  }

  /** How many entries there are, repeats counted. */
  get size(): number {
    return this.#entries.length;
  }

  /** The distinct names, in order of first appearance. */
  keys(): IterableIterator<string> {
    return this.#index.keys();
  }

  /** Every `[name, value]` entry, in order. */
  entries(): IterableIterator<[string, V]> {
    return this.#entries[Symbol.iterator]() as IterableIterator<[string, V]>;
  }

  /** Same as {@link MultiDict.entries}. */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /**
   * A plain record of each name to its first value. It has no prototype, so
   * names such as `__proto__` are safe.
   */
  toObject(): Record<string, V>;
  /**
   * A plain record of each name to all of its values, in order. It has no
   * prototype, so names such as `__proto__` are safe.
   *
   * @param options - `all: true`.
   */
  toObject(options: { all: true }): Record<string, V[]>;
  toObject(options?: { all: true }): Record<string, V | V[]> {
    const record: Record<string, V | V[]> = Object.create(null);
    for (const [name, values] of this.#index) {
      record[name] = options?.all ? values.slice() : (values[0] as V);
    }
    return record;
  }
}
