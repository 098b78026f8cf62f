/**
 * @module Prometheus metrics of one Egiz instance (its own registry, so several instances can live in
 * one test process): HTTP requests by route and status, latency, commit batches, twin count.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly commitBatchSize: Histogram;
  readonly commitSeconds: Histogram;
  readonly things: Gauge;

  constructor(opts: { countThings: () => Promise<number>; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'egiz_http_requests_total',
      help: 'HTTP requests by method, route and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'egiz_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.commitBatchSize = new Histogram({
      name: 'egiz_commit_batch_size',
      help: 'Mutations written per store transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'egiz_commit_duration_seconds',
      help: 'Duration of one group-commit transaction',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    const count = opts.countThings;
    this.things = new Gauge({
      name: 'egiz_things',
      help: 'Number of twins (not deleted) in the store',
      registers,
      async collect() {
        this.set(await count());
      },
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'egiz_' });
  }
}
