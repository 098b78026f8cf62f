/**
 * @module The egress hubs one process shares between its realtime edges: the event fan-out (bus ->
 * subscribers), the live router (messages, live commands and events) and the acknowledgement
 * coordinator. Built by the composition root, started with it and stopped when Egiz stops.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../bus/port.js';
import type { PolicyEnforcers } from '../dispatch/policy-enforcers.js';
import type { PolicyRepository } from '../dispatch/policy-repository.js';
import type { ThingService } from '../dispatch/thing-service.js';
import type { Metrics } from '../ops/metrics.js';
import { AckCoordinator } from './ack-coordinator.js';
import { CorkedWrites } from './corked-writes.js';
import { CommitToDelivery } from './delivery-latency.js';
import { EventFanout } from './event-fanout.js';
import { LiveRouter } from './live-router.js';
import { PolicyAnnouncer } from './policy-announcer.js';

export interface Realtime {
  readonly fanout: EventFanout;
  /** Socket writes of the realtime edges, batched per event-loop turn. */
  readonly writes: CorkedWrites;
  readonly live: LiveRouter;
  readonly acks: AckCoordinator;
  readonly announcer: PolicyAnnouncer;
  start(): void;
  stop(): void;
}

export function createRealtime(deps: {
  readonly bus: EventBus;
  readonly things: ThingService;
  readonly enforcers: PolicyEnforcers;
  /** Reports every Policy loaded or changed (policy announcements). */
  readonly policies: PolicyRepository;
  readonly clock: () => Date;
  readonly metrics: Metrics;
  readonly logger: Logger;
}): Realtime {
  // The cached Enforcer when it is current (no promise, no store), else the loading one.
  const enforcer = (policyId: string, namespace: string) =>
    deps.enforcers.cached(policyId, namespace) ?? deps.enforcers.enforcer(policyId, namespace);
  const loadThing = (thingId: string) => deps.things.load(thingId);
  const commitToDelivery = deps.metrics.realtimeCommitToDelivery;
  const writes = new CorkedWrites();
  const latency = new CommitToDelivery(
    {
      first: commitToDelivery.labels('first'),
      last: commitToDelivery.labels('last'),
      written: commitToDelivery.labels('written'),
    },
    (callback) => writes.afterWrites(callback),
  );
  const fanout = new EventFanout({
    bus: deps.bus,
    enforcer,
    loadThing,
    onError: (err) => deps.logger.error({ err }, 'event fan-out failed for an event'),
    // Once per event, not per delivery: the subscribers of one event are served in one pass.
    onDelivered: (event, _deliveries, timing) => {
      deps.metrics.realtimeDeliverySeconds.observe(
        Math.max(0, Date.now() - Date.parse(event.timestamp)) / 1000,
      );
      if (timing) latency.observe(timing);
    },
    // The frames of a batch of events leave together as soon as the batch is handed over, without
    // waiting for the next turn of the event loop (HTTP requests and timers may come first there).
    onDrained: () => writes.flush(),
  });
  const live = new LiveRouter({
    loadThing,
    enforcer,
    ...(deps.bus.relay ? { relay: deps.bus.relay } : {}),
    onRelayError: (err) => deps.logger.warn({ err }, 'a live signal from another node was not delivered'),
  });
  const acks = new AckCoordinator(deps.bus.relay ? { relay: deps.bus.relay } : {});
  // An event from another node that asks for custom acks: they go back to the node that waits.
  deps.bus.onArrival?.((m) => {
    const cid = m.kind === 'thing' ? m.headers?.['correlation-id'] : undefined;
    if (
      m.kind === 'thing' &&
      m.node !== undefined &&
      cid !== undefined &&
      m.headers?.['requested-acks'] !== undefined
    )
      acks.routeToNode(cid, m.node);
  });
  const announcer = new PolicyAnnouncer({
    clock: deps.clock,
    acks,
    onError: (err) => deps.logger.error({ err }, 'policy announcement failed'),
  });
  // Called inside policy loads and commits: a failure here must never fail them.
  deps.policies.onLoaded((state) => {
    try {
      announcer.observe(state);
    } catch (err) {
      deps.logger.error({ err, policyId: state.id }, 'policy announcements: could not track a policy');
    }
  });
  return {
    fanout,
    writes,
    live,
    acks,
    announcer,
    start: () => fanout.start(),
    stop: () => {
      fanout.stop();
      live.close();
      announcer.close();
      acks.close();
    },
  };
}
