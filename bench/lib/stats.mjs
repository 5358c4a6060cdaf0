/** Medians and spreads. */

/** @param {number[]} values */
export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** @param {number[]} values */
export function spread(values) {
  if (values.length === 0) return { median: null, min: null, max: null };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * `value / base`, or `null` when either is missing.
 *
 * @param {number | null | undefined} value
 * @param {number | null | undefined} base
 */
export function ratio(value, base) {
  if (value == null || base == null || base === 0) return null;
  return value / base;
}
