/**
 * @module What every WebSocket session shares: the services, the egress hubs, the realtime limits
 * and the hooks the server keeps for its session registry and token refresh.
 */
import type { Logger } from 'pino';
import type { PolicyService } from '../../dispatch/policy-service.js';
import type { ThingService } from '../../dispatch/thing-service.js';
import type { CorkedWrites } from '../../egress/corked-writes.js';
import type { EventFanout } from '../../egress/event-fanout.js';
import type { PolicyAnnouncer } from '../../egress/policy-announcer.js';
import type { OutboxLimits } from '../../egress/outbox.js';
import type { Metrics } from '../../ops/metrics.js';
import type { WsAcks } from './ws-acks.js';
import type { WsHistory } from './ws-history.js';
import type { WsLive } from './ws-live.js';
import type { WsSearch } from './ws-search.js';
import type { WsSession } from './ws-session.js';

export interface RealtimeLimits {
  readonly outbox: OutboxLimits;
  /** Commands a session may have in flight before it gets 429 `too.many.requests`. */
  readonly maxInFlight: number;
  /** How long a closing session may take to complete the close handshake before it is cut. */
  readonly closeGraceMs: number;
  /** Largest incoming frame in bytes. */
  readonly maxFrameBytes: number;
}

export interface WsContext {
  readonly things: ThingService;
  readonly policies: PolicyService;
  readonly fanout: EventFanout;
  /** Where sessions' sockets are corked per event-loop turn (shared by all sessions). */
  readonly writes: CorkedWrites;
  readonly announcer: PolicyAnnouncer;
  readonly live: WsLive;
  readonly acks: WsAcks;
  readonly history: WsHistory;
  readonly search: WsSearch;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly limits: RealtimeLimits;
  onSessionClosed(session: WsSession): void;
  refreshToken(session: WsSession, token: string): Promise<void>;
}
