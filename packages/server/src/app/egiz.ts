/**
 * @module The composition root: config -> adapters (store, bus) -> services -> edges -> listen, and
 * the graceful stop (refuse new work, finish in-flight, flush commits, close the store). Only this
 * folder imports concrete adapters.
 */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Authenticator } from '../auth/authenticate.js';
import { JwtVerifier } from '../auth/jwt/jwt-verifier.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { NatsBus } from '../bus/nats/nats-bus.js';
import type { EventBus } from '../bus/port.js';
import { GroupCommitter } from '../dispatch/group-committer.js';
import { PermissionChecks } from '../dispatch/permission-checks.js';
import { PolicyEnforcers } from '../dispatch/policy-enforcers.js';
import { PolicyRepository } from '../dispatch/policy-repository.js';
import { PolicyService } from '../dispatch/policy-service.js';
import { policyReaderSource } from '../dispatch/reader-source.js';
import { ThingService } from '../dispatch/thing-service.js';
import { createHttpServer } from '../edge/http/http-server.js';
import { createThingSignalHandler, registerMessageRoutes } from '../edge/http/realtime-http.js';
import { WsAcks } from '../edge/ws/ws-acks.js';
import type { WsContext } from '../edge/ws/ws-context.js';
import { WsHistory } from '../edge/ws/ws-history.js';
import { WsLive } from '../edge/ws/ws-live.js';
import { WsSearch } from '../edge/ws/ws-search.js';
import { registerWebSocket } from '../edge/ws/ws-server.js';
import { registerSseRoutes } from '../edge/sse/sse-routes.js';
import { registerSseSearchRoute } from '../edge/sse/sse-search-route.js';
import { createRealtime } from '../egress/realtime.js';
import { registerCheckPermissionsRoute } from '../edge/http/check-permissions-route.js';
import { registerOpsRoutes } from '../edge/http/ops-routes.js';
import { registerPoliciesRoutes } from '../edge/http/policies-routes.js';
import { registerSearchRoutes } from '../edge/http/search-routes.js';
import { registerThingsRoutes } from '../edge/http/things-routes.js';
import { registerWhoamiRoute } from '../edge/http/whoami-route.js';
import { Metrics } from '../ops/metrics.js';
import { SearchReaders } from '../search/search-readers.js';
import { SearchService } from '../search/search-service.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/port.js';
import type { EgizConfig } from './config.js';
import { seedExamples } from './seed-examples.js';

/** How long in-flight requests get to finish on stop before their connections are cut. */
const STOP_GRACE_MS = 10_000;

export interface Egiz {
  readonly config: EgizConfig;
  readonly http: FastifyInstance;
  readonly store: Store;
  readonly bus: EventBus;
  readonly things: ThingService;
  readonly policies: PolicyService;
  readonly logger: Logger;
  /** Listens on config.host:config.port; resolves with the base URL. */
  start(): Promise<string>;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
}

export interface EgizOptions {
  readonly logger?: Logger;
  readonly clock?: () => Date;
}

export function createEgiz(config: EgizConfig, options: EgizOptions = {}): Egiz {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'egiz' } });
  const clock = options.clock ?? (() => new Date());
  if (config.store === undefined || config.store.startsWith('sqlite:'))
    mkdirSync(config.dataDir, { recursive: true });
  const store = createStore(config.store, config.dataDir, { sqliteSynchronous: config.sqliteSynchronous });
  const metrics = new Metrics({ countThings: () => store.count('thing') });
  const bus: EventBus =
    config.bus.kind === 'nats'
      ? new NatsBus({
          ...config.bus,
          name: `egiz ${config.host}:${config.port} pid ${process.pid}`,
          logger,
          onDropped: (reason) => metrics.busDropped.inc({ reason }),
        })
      : new MemoryBus();
  // As many Policies as Things are kept: by default every Thing has a Policy of its own.
  const policies = new PolicyRepository(store, config.cacheSize);
  const enforcers = new PolicyEnforcers(policies, {
    namespaceRoots: config.namespaceRootPolicies,
    clock,
    capacity: config.cacheSize,
  });
  // Who may read what, for the search: the policy as the enforcer resolves it in a namespace (imports
  // and namespace root policies included), each policy as the batch being committed leaves it.
  const readers = new SearchReaders(store, policyReaderSource(enforcers, clock), {
    namespaceRoots: config.namespaceRootPolicies,
  });
  const committer = new GroupCommitter(readers, {
    // SQLite writes in its writer thread: hand it the next batch while one is being fsynced.
    maxInFlight: store.dialect === 'sqlite' ? 2 : 1,
    onBatch: (s) => {
      metrics.commitBatchSize.observe(s.size);
      metrics.commitSeconds.observe(s.seconds);
    },
  });
  const search = new SearchService({
    store,
    clock,
    enforcer: (policyId, namespace) => enforcers.enforcer(policyId, namespace),
  });
  const policyService = new PolicyService({
    store,
    bus,
    committer,
    repo: policies,
    enforcers,
    clock,
    config: { maxPolicyBytes: config.maxPolicyBytes },
  });
  const things = new ThingService({
    store,
    bus,
    committer,
    policies,
    enforcers,
    policyService,
    clock,
    config: { maxThingBytes: config.maxThingBytes, cacheSize: config.cacheSize },
  });

  // Another node committed: a cached copy older than its revision is forgotten as the message
  // arrives (before the bus may hold it back for ordering, and before the fan-out sees it), so the
  // next request of this node reads the store.
  bus.onArrival?.((m) => {
    if (m.kind === 'thing') things.forgetOlder(m.event.thingId, m.event.revision);
    else policies.forgetOlder(m.event.policyId, m.event.revision);
  });

  let state: 'created' | 'starting' | 'running' | 'draining' | 'stopped' = 'created';
  const health = {
    async notReadyReason(): Promise<string | undefined> {
      if (state !== 'running') return state === 'draining' || state === 'stopped' ? 'draining' : 'starting';
      return (await store.ping()) ? undefined : 'store unreachable';
    },
    async details(): Promise<Record<string, unknown>> {
      return {
        store: { dialect: store.dialect, up: await store.ping() },
        // Another node's events and live signals need the broker; this node's own work does not.
        bus: { kind: config.bus.kind, up: bus.connected?.() ?? true },
        state,
      };
    },
  };

  const authenticator = new Authenticator({ users: config.users, preauth: config.preauth });
  const jwt = new JwtVerifier(config.realtime.jwtIssuers);
  const http = createHttpServer({
    logger,
    authenticator,
    jwt,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
  });
  http.addHook('onSend', (_request, reply, payload, done) => {
    if (state === 'draining') void reply.header('connection', 'close');
    done(null, payload);
  });
  registerOpsRoutes(http, { health, metrics, devopsPassword: config.devopsPassword });
  registerWhoamiRoute(http);
  const realtime = createRealtime({
    bus,
    things,
    enforcers,
    policies,
    clock,
    metrics,
    logger,
  });
  const realtimeHttp = { things, live: realtime.live, acks: realtime.acks };
  registerThingsRoutes(http, {
    things,
    defaultNamespace: config.defaultNamespace,
    signals: createThingSignalHandler(realtimeHttp),
  });
  registerMessageRoutes(http, realtimeHttp);
  registerPoliciesRoutes(http, { policies: policyService });
  registerSearchRoutes(http, { search, things });
  registerCheckPermissionsRoute(http, { checks: new PermissionChecks(things, enforcers) });

  // Realtime: WebSocket /ws/2, SSE and HTTP messages share the egress hubs (docs/adr/0005).
  const wsLive = new WsLive(realtime.live, { things, policies: policyService }, realtime.acks);
  const wsContext: Omit<WsContext, 'onSessionClosed' | 'refreshToken'> = {
    things,
    policies: policyService,
    fanout: realtime.fanout,
    writes: realtime.writes,
    announcer: realtime.announcer,
    live: wsLive,
    acks: new WsAcks(realtime.acks),
    history: new WsHistory(things, realtime.fanout, clock, policyService),
    search: new WsSearch(search, config.realtime.outbox),
    metrics,
    logger,
    clock,
    limits: config.realtime,
  };
  registerWebSocket(http, { authenticator, jwt, context: wsContext, accepting: () => state === 'running' });
  registerSseRoutes(http, {
    things,
    fanout: realtime.fanout,
    live: realtime.live,
    metrics,
    limits: config.realtime.outbox,
    clock,
  });
  registerSseSearchRoute(http, { search, metrics, limits: config.realtime.outbox });
  http.addHook('onClose', (_app, done) => {
    realtime.stop();
    done();
  });

  let stopping: Promise<void> | undefined;

  return {
    config,
    http,
    store,
    bus,
    things,
    policies: policyService,
    logger,
    async start() {
      state = 'starting';
      // Keys of the configured JWT issuers are imported now, so a bad one stops the start.
      if (jwt.enabled) await jwt.load();
      await store.open();
      try {
        await bus.open?.();
      } catch (e) {
        await store.close();
        throw e;
      }
      if (config.seedExamples) {
        const owner = `nginx:${config.users[0]?.username ?? 'ditto'}`;
        const result = await seedExamples(
          { things, policies: policyService },
          { subjects: [owner], primary: owner },
        );
        if (result.seeded)
          logger.info({ things: result.things, owner }, 'seeded the example world (namespace egiz.examples)');
      }
      realtime.start();
      const address = await http.listen({ port: config.port, host: config.host });
      state = 'running';
      return address;
    },
    stop() {
      stopping ??= (async () => {
        state = 'draining';
        // Keep-alive connections that finish their last request after close() began would hold the
        // server open until their idle timeout: close them as they become idle, and force the rest
        // after a grace period.
        const closing = http.close();
        const idleSweep = setInterval(() => http.server.closeIdleConnections(), 25);
        const force = setTimeout(() => http.server.closeAllConnections(), STOP_GRACE_MS);
        try {
          await closing;
        } finally {
          clearInterval(idleSweep);
          clearTimeout(force);
        }
        await things.drain();
        await policyService.stop();
        await committer.flush();
        await bus.close();
        await store.close();
        state = 'stopped';
      })();
      return stopping;
    },
  };
}
