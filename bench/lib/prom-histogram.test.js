/** @module Self-check of the /metrics histogram reader (`node --test bench/lib`). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  histogramDelta,
  parseHistogram,
  quantileInterpolated,
  quantileUpperBound,
  summaryMs,
} from './prom-histogram.js';

const NAME = 'egiz_realtime_commit_to_delivery_seconds';

function scrape(stage, counts, sum) {
  const les = ['0.001', '0.005', '0.01', '0.05', '+Inf'];
  let cumulative = 0;
  const lines = [`# HELP ${NAME} help`, `# TYPE ${NAME} histogram`];
  les.forEach((le, i) => {
    cumulative += counts[i];
    lines.push(`${NAME}_bucket{le="${le}",stage="${stage}"} ${cumulative}`);
  });
  lines.push(`${NAME}_sum{stage="${stage}"} ${sum}`, `${NAME}_count{stage="${stage}"} ${cumulative}`);
  return lines.join('\n');
}

test('parses one labelled series of a histogram', () => {
  const text = `${scrape('first', [9, 9, 9, 9, 9], 1)}\n${scrape('written', [1, 2, 3, 4, 0], 0.5)}\nother_metric 3`;
  const h = parseHistogram(text, NAME, { stage: 'written' });
  assert.deepEqual(
    h.buckets.map((b) => [b.le, b.count]),
    [
      [0.001, 1],
      [0.005, 3],
      [0.01, 6],
      [0.05, 10],
      [Infinity, 10],
    ],
  );
  assert.equal(h.count, 10);
  assert.equal(h.sum, 0.5);
  assert.equal(parseHistogram(text, NAME, { stage: 'nope' }), undefined);
});

test('the difference of two scrapes holds only what was observed in between', () => {
  const before = parseHistogram(scrape('written', [5, 0, 0, 0, 0], 0.002), NAME, { stage: 'written' });
  const after = parseHistogram(scrape('written', [5, 90, 9, 1, 0], 0.4), NAME, { stage: 'written' });
  const d = histogramDelta(after, before);
  assert.equal(d.count, 100);
  assert.deepEqual(
    d.buckets.map((b) => b.count),
    [0, 90, 99, 100, 100],
  );
  // p50 falls in (1 ms, 5 ms]: upper bound 5 ms, interpolated 1 + 4 × 50/90 ms.
  assert.equal(quantileUpperBound(d, 0.5), 0.005);
  assert.ok(Math.abs(quantileInterpolated(d, 0.5) - (0.001 + 0.004 * (50 / 90))) < 1e-12);
  // p99 is the 99th of 100: the last one in (5 ms, 10 ms].
  assert.equal(quantileUpperBound(d, 0.99), 0.01);
  const s = summaryMs(d);
  assert.equal(s.count, 100);
  assert.equal(s.p50, 5);
  assert.equal(s.p99, 10);
  assert.equal(s.max, 50);
  assert.ok(s.interpolated.p50 > 1 && s.interpolated.p50 < 5);
  // A series that did not exist before the window counts from zero.
  assert.equal(histogramDelta(after, undefined).count, 105);
});

test('a quantile beyond the last finite bucket is unbounded, an empty histogram has none', () => {
  const h = parseHistogram(scrape('written', [0, 0, 0, 1, 99], 100), NAME, { stage: 'written' });
  assert.equal(quantileUpperBound(h, 0.99), Infinity);
  assert.equal(quantileInterpolated(h, 0.99), 0.05);
  assert.equal(summaryMs(h).max, Infinity);
  const empty = parseHistogram(scrape('written', [0, 0, 0, 0, 0], 0), NAME, { stage: 'written' });
  assert.equal(quantileUpperBound(empty, 0.5), undefined);
  assert.equal(summaryMs(empty).p99, undefined);
});
