/** @module Self-check of the latency histogram (`node --test bench/lib`). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, internals } from './histogram.js';

test('bucket bounds are contiguous and within 1/64 of the value', () => {
  let previousHigh = -1;
  for (let i = 0; i < 40 * internals.SUB; i++) {
    const high = internals.highOf(i);
    assert.ok(high > previousHigh, `bucket ${i} grows`);
    const low = previousHigh + 1;
    assert.equal(internals.indexOf(low), i, `low end of bucket ${i}`);
    assert.equal(internals.indexOf(high), i, `high end of bucket ${i}`);
    assert.ok((high - low) / Math.max(1, low) <= 1 / 64, `bucket ${i} is narrow`);
    previousHigh = high;
  }
});

test('quantiles of a uniform distribution', () => {
  const h = new Histogram();
  for (let v = 1; v <= 100_000; v++) h.record(v * 1000);
  const within = (actual, expected) => Math.abs(actual - expected) / expected <= 1 / 64;
  assert.ok(within(h.quantile(0.5), 50_000_000));
  assert.ok(within(h.quantile(0.99), 99_000_000));
  assert.equal(h.quantile(1), 100_000_000);
  assert.equal(h.min, 1000);
  assert.equal(h.count, 100_000);
});

test('add merges two histograms', () => {
  const a = new Histogram();
  const b = new Histogram();
  a.record(10);
  b.record(1e9);
  a.add(b);
  assert.equal(a.count, 2);
  assert.equal(a.max, 1e9);
  assert.equal(a.quantile(0.5), 10);
});
