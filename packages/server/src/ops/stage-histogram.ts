/**
 * @module A Prometheus histogram with one label whose observation costs a bucket search and three
 * additions — no label hashing or validation as in prom-client's `observe` (about 0.7 µs each) — for
 * observations on hot paths (several per event). Registered in a prom-client registry as a metric of
 * its own and read on scrape; every series is exported from its creation, zeros included.
 */
import type { Metric, Registry } from 'prom-client';

export interface SecondsObserver {
  observe(seconds: number): void;
}

/** One series: counts per bucket (not cumulative; the last one is +Inf), sum and count. */
class Series implements SecondsObserver {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= (bounds[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    (this.counts[lo] as number)++;
    this.sum += value;
    this.count++;
  }
}

interface ExportedValue {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

export class StageHistogram<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #label: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<L, Series>();

  constructor(opts: {
    readonly name: string;
    readonly help: string;
    readonly labelName: string;
    readonly buckets: readonly number[];
    readonly registers: readonly Registry[];
  }) {
    this.name = opts.name;
    this.help = opts.help;
    this.#label = opts.labelName;
    this.#bounds = [...opts.buckets].sort((a, b) => a - b);
    // prom-client registries take any object with name, help, type and get(); this is one.
    for (const r of opts.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The observer of one label value (created and exported with zeros on first call). */
  labels(value: L): SecondsObserver {
    let s = this.#series.get(value);
    if (s === undefined) {
      s = new Series(this.#bounds);
      this.#series.set(value, s);
    }
    return s;
  }

  /** What prom-client's registry reads on scrape (its histogram's shape). */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExportedValue[];
  }> {
    const values: ExportedValue[] = [];
    const label = this.#label;
    for (const [value, s] of this.#series) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, [label]: value }, value: cumulative });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { le: '+Inf', [label]: value },
        value: s.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels: { [label]: value }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [label]: value }, value: s.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    for (const s of this.#series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
