/**
 * @module A small HDR-like latency histogram: exact below 128 ns, then 64 linear sub-buckets per
 * power of two, so every recorded value is kept within 1/64 (1.6 %) of its true value at a fixed
 * memory cost (one Float64Array) and O(1) per record. Values are nanoseconds.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64 sub-buckets per octave
const LINEAR = SUB * 2; // values below 128 have a bucket of their own
const BUCKETS = SUB * 64; // up to 2^63 ns, far beyond any latency

/** Bucket index of a non-negative integer value. */
function indexOf(v) {
  if (v < LINEAR) return v;
  let e = Math.floor(Math.log2(v));
  let sub = Math.floor(v / 2 ** (e - SUB_BITS));
  // Guard against rounding in log2 next to a power of two.
  if (sub >= LINEAR) {
    e += 1;
    sub = Math.floor(v / 2 ** (e - SUB_BITS));
  } else if (sub < SUB) {
    e -= 1;
    sub = Math.floor(v / 2 ** (e - SUB_BITS));
  }
  return Math.min(BUCKETS - 1, (e - SUB_BITS) * SUB + sub);
}

/** Highest value that falls into bucket i (HDR's "highest equivalent value"). */
function highOf(i) {
  if (i < LINEAR) return i;
  const shift = Math.floor(i / SUB) - 1;
  const sub = i - shift * SUB;
  return (sub + 1) * 2 ** shift - 1;
}

export class Histogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.reset();
  }

  reset() {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }

  /** @param {number} ns latency in nanoseconds */
  record(ns) {
    const v = ns > 0 ? Math.round(ns) : 0;
    this.counts[indexOf(v)] += 1;
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** @param {Histogram} other */
  add(other) {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Value at quantile q in [0, 1], in nanoseconds (0 when empty). */
  quantile(q) {
    if (this.count === 0) return 0;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, highOf(i)));
    }
    return this.max;
  }

  mean() {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Summary in milliseconds, rounded to microseconds. */
  summaryMs() {
    const ms = (ns) => Math.round(ns / 1e3) / 1e3;
    return {
      count: this.count,
      min: this.count ? ms(this.min) : 0,
      mean: ms(this.mean()),
      p50: ms(this.quantile(0.5)),
      p90: ms(this.quantile(0.9)),
      p99: ms(this.quantile(0.99)),
      p999: ms(this.quantile(0.999)),
      max: ms(this.max),
    };
  }
}

/** Exposed for bench/lib/histogram.test.js (`node --test bench/lib`). */
export const internals = { indexOf, highOf, SUB };
