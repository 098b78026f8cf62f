/**
 * @module A server-side Prometheus histogram read from `/metrics` text: the cumulative buckets of one
 * series (a name and a label set), the difference of two scrapes (what was observed between them),
 * and quantiles of that difference — as the upper bound of the bucket the quantile falls in (a value
 * the true quantile does not exceed; the judged figure) and linearly interpolated inside that
 * bucket, as Prometheus' `histogram_quantile` does (an estimate, for comparison).
 */
import { httpOnce } from './http-load.js';

/**
 * @typedef {{ buckets: { le: number, count: number }[], count: number, sum: number }} PromHistogram
 *   `buckets` are cumulative and sorted by `le` (the last one is `+Inf`).
 */

/** `a="x",b="y"` → { a: 'x', b: 'y' } (label values without escapes, as Egiz's metrics have). */
function parseLabels(text) {
  const out = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2];
  return out;
}

function matches(labels, wanted) {
  for (const [k, v] of Object.entries(wanted)) if (labels[k] !== v) return false;
  return true;
}

/**
 * The series `name{...labels}` of a histogram in Prometheus text format, or undefined if absent.
 * @param {string} text
 * @param {string} name
 * @param {Record<string, string>} [labels]
 * @returns {PromHistogram | undefined}
 */
export function parseHistogram(text, name, labels = {}) {
  const buckets = [];
  let count;
  let sum;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, metric, labelText = '', value] = m;
    const l = parseLabels(labelText);
    if (!matches(l, labels)) continue;
    if (metric === `${name}_bucket` && l.le !== undefined)
      buckets.push({ le: l.le === '+Inf' ? Infinity : Number(l.le), count: Number(value) });
    else if (metric === `${name}_count`) count = Number(value);
    else if (metric === `${name}_sum`) sum = Number(value);
  }
  if (buckets.length === 0) return undefined;
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, count: count ?? buckets[buckets.length - 1].count, sum: sum ?? 0 };
}

/**
 * What was observed between two scrapes (`before` may be undefined: the series did not exist yet).
 * @param {PromHistogram} after
 * @param {PromHistogram | undefined} before
 * @returns {PromHistogram}
 */
export function histogramDelta(after, before) {
  const prior = new Map((before?.buckets ?? []).map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) })),
    count: after.count - (before?.count ?? 0),
    sum: after.sum - (before?.sum ?? 0),
  };
}

/** The bucket holding quantile q: its index (undefined when empty). */
function bucketOf(h, q) {
  if (h.count <= 0) return undefined;
  const rank = q * h.count;
  const i = h.buckets.findIndex((b) => b.count >= rank);
  return i === -1 ? h.buckets.length - 1 : i;
}

/**
 * Quantile q as the upper bound of its bucket: the true quantile is at most this (Infinity when it
 * fell beyond the last finite bucket). Undefined for an empty histogram.
 */
export function quantileUpperBound(h, q) {
  const i = bucketOf(h, q);
  return i === undefined ? undefined : h.buckets[i].le;
}

/**
 * Quantile q interpolated linearly inside its bucket (Prometheus `histogram_quantile`: the first
 * bucket starts at 0; a quantile in `+Inf` answers the last finite bound).
 */
export function quantileInterpolated(h, q) {
  const i = bucketOf(h, q);
  if (i === undefined) return undefined;
  const b = h.buckets[i];
  if (b.le === Infinity) return i > 0 ? h.buckets[i - 1].le : undefined;
  const lower = i > 0 ? h.buckets[i - 1].le : 0;
  const below = i > 0 ? h.buckets[i - 1].count : 0;
  const inBucket = b.count - below;
  if (inBucket <= 0) return b.le;
  return lower + (b.le - lower) * ((q * h.count - below) / inBucket);
}

/**
 * Summary in milliseconds of a histogram in seconds, shaped like the client histogram's summaryMs:
 * p50/p90/p99/max are bucket upper bounds; `interpolated` holds the histogram_quantile estimates.
 */
export function summaryMs(h) {
  const ms = (s) => (s === undefined ? undefined : s === Infinity ? Infinity : Math.round(s * 1e6) / 1e3);
  let top;
  for (let i = h.buckets.length - 1; i >= 0; i--) {
    const below = i > 0 ? h.buckets[i - 1].count : 0;
    if (h.buckets[i].count > below) {
      top = h.buckets[i].le;
      break;
    }
  }
  return {
    count: h.count,
    mean: h.count > 0 ? ms(h.sum / h.count) : undefined,
    p50: ms(quantileUpperBound(h, 0.5)),
    p90: ms(quantileUpperBound(h, 0.9)),
    p99: ms(quantileUpperBound(h, 0.99)),
    max: ms(top),
    bound: 'upper bucket bound',
    interpolated: {
      p50: ms(quantileInterpolated(h, 0.5)),
      p99: ms(quantileInterpolated(h, 0.99)),
    },
  };
}

/**
 * Scrapes `/metrics` of a server and returns the series of `name` for each label set of `series`.
 * @param {number} port
 * @param {string} name
 * @param {Record<string, Record<string, string>>} series key → labels
 * @returns {Promise<Record<string, PromHistogram | undefined>>}
 */
export async function scrapeHistograms(port, name, series) {
  const r = await httpOnce(port, { method: 'GET', path: '/metrics' });
  if (r.status !== 200) throw new Error(`GET /metrics answered ${r.status}`);
  const out = {};
  for (const [key, labels] of Object.entries(series)) out[key] = parseHistogram(r.body, name, labels);
  return out;
}
