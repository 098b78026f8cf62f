/**
 * @module Prometheus metrics of one Egiz instance (its own registry, so several instances can live in
 * one test process): HTTP requests by route and status, latency, commit batches, twin count.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { StageHistogram } from './stage-histogram.js';

/**
 * Stages of `egiz_realtime_commit_to_delivery_seconds`, each from the durable commit of an event:
 * `first` / `last` — the fan-out handed its frame to the first / last subscriber (socket or queue);
 * `written` — the socket writes of that event-loop turn were issued (sockets are corked per turn).
 */
export type CommitToDeliveryStage = 'first' | 'last' | 'written';

/**
 * Buckets of `egiz_realtime_commit_to_delivery_seconds`: 0.1 ms to 1 s, about 1.25–1.5× apart, and
 * fine around the two targets (5 ms and 50 ms), so that a quantile read as its bucket's upper bound
 * is close to the truth.
 */
export const COMMIT_TO_DELIVERY_BUCKETS = [
  0.0001, 0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004, 0.0045, 0.005, 0.006,
  0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.045, 0.05, 0.06, 0.075, 0.1, 0.15, 0.25, 0.5, 1,
];

/** A counter cell incremented with a plain `n++` on hot paths; added to its Prometheus counter on scrape. */
export interface CountCell {
  n: number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly commitBatchSize: Histogram;
  readonly commitSeconds: Histogram;
  readonly things: Gauge;
  /** Realtime edges (WebSocket, SSE): open sessions, frames out, overflows of bounded queues. */
  readonly realtimeSessions: Gauge<'edge'>;
  readonly realtimeFramesOut: Counter<'edge' | 'kind'>;
  readonly realtimeOverflows: Counter<'edge'>;
  /** Bus messages between nodes that were dropped (late revision, malformed, too large to publish). */
  readonly busDropped: Counter<'reason'>;
  readonly realtimeQueued: Gauge<'edge'>;
  /** Per edge, a function counting the frames waiting in its consumers' queues (read on scrape). */
  readonly realtimeQueueSources = new Map<string, () => number>();
  readonly realtimeRejected: Counter<'edge' | 'reason'>;
  readonly realtimeDeliverySeconds: Histogram;
  /** Commit → delivery per event, by stage (see CommitToDeliveryStage); observed without label lookups. */
  readonly realtimeCommitToDelivery: StageHistogram<CommitToDeliveryStage>;
  readonly #frameCells = new Map<string, { cell: CountCell; reported: number; edge: string; kind: string }>();

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
    this.realtimeSessions = new Gauge({
      name: 'egiz_realtime_sessions',
      help: 'Open realtime sessions (WebSocket connections, SSE streams)',
      labelNames: ['edge'],
      registers,
    });
    this.realtimeFramesOut = new Counter({
      name: 'egiz_realtime_frames_out_total',
      help: 'Frames handed to realtime consumers by kind (event, response, error, message, ack, control)',
      labelNames: ['edge', 'kind'],
      registers,
      collect: () => {
        for (const c of this.#frameCells.values()) {
          const delta = c.cell.n - c.reported;
          if (delta <= 0) continue;
          c.reported = c.cell.n;
          this.realtimeFramesOut.inc({ edge: c.edge, kind: c.kind }, delta);
        }
      },
    });
    this.realtimeOverflows = new Counter({
      name: 'egiz_realtime_overflows_total',
      help: 'Consumers whose bounded outbound queue overflowed (told and disconnected, never silently dropped)',
      labelNames: ['edge'],
      registers,
    });
    this.busDropped = new Counter({
      name: 'egiz_bus_messages_dropped_total',
      help: 'Event bus messages between nodes that were dropped: late (an older revision than one already delivered), malformed, or unpublishable (e.g. larger than the broker accepts)',
      labelNames: ['reason'],
      registers,
    });
    const queueSources = this.realtimeQueueSources;
    this.realtimeQueued = new Gauge({
      name: 'egiz_realtime_queued_frames',
      help: 'Frames waiting in the bounded outbound queues of realtime consumers',
      labelNames: ['edge'],
      registers,
      collect() {
        for (const [edge, count] of queueSources) this.set({ edge }, count());
      },
    });
    this.realtimeRejected = new Counter({
      name: 'egiz_realtime_rejected_total',
      help: 'Signals refused by a realtime edge (too many in flight, malformed, not allowed)',
      labelNames: ['edge', 'reason'],
      registers,
    });
    this.realtimeDeliverySeconds = new Histogram({
      name: 'egiz_realtime_delivery_seconds',
      help: 'Time from an event (its timestamp) until the fan-out handed it to its last consumer (one observation per event)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.realtimeCommitToDelivery = new StageHistogram<CommitToDeliveryStage>({
      name: 'egiz_realtime_commit_to_delivery_seconds',
      help:
        'Time from the durable commit of an event (monotonic clock) until the fan-out handed its frame to the ' +
        'first (stage="first") and the last (stage="last") subscriber, and until the socket writes of that ' +
        'event-loop turn were issued (stage="written"); one observation per event and stage',
      labelName: 'stage',
      buckets: COMMIT_TO_DELIVERY_BUCKETS,
      registers,
    });
    for (const stage of ['first', 'last', 'written'] as const) this.realtimeCommitToDelivery.labels(stage);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'egiz_' });
  }

  /**
   * The cell counting frames of one kind handed to consumers of one edge: frames are counted per
   * delivery, where a labelled `inc` would cost a label lookup each; the counter reads the cells
   * on scrape.
   */
  frameCell(edge: string, kind: string): CountCell {
    const key = `${edge}\u0000${kind}`;
    let c = this.#frameCells.get(key);
    if (c === undefined) {
      c = { cell: { n: 0 }, reported: 0, edge, kind };
      this.#frameCells.set(key, c);
    }
    return c.cell;
  }
}
