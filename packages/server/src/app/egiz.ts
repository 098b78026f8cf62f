/**
 * @module The composition root: config -> adapters (store, bus) -> services -> edges -> listen, and
 * the graceful stop (refuse new work, finish in-flight, flush commits, close the store). Only this
 * folder imports concrete adapters.
 */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Authenticator } from '../auth/authenticate.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import type { EventBus } from '../bus/port.js';
import { GroupCommitter } from '../dispatch/group-committer.js';
import { PermissionChecks } from '../dispatch/permission-checks.js';
import { PolicyEnforcers } from '../dispatch/policy-enforcers.js';
import { PolicyRepository } from '../dispatch/policy-repository.js';
import { PolicyService } from '../dispatch/policy-service.js';
import { ThingService } from '../dispatch/thing-service.js';
import { createHttpServer } from '../edge/http/http-server.js';
import { registerCheckPermissionsRoute } from '../edge/http/check-permissions-route.js';
import { registerOpsRoutes } from '../edge/http/ops-routes.js';
import { registerPoliciesRoutes } from '../edge/http/policies-routes.js';
import { registerThingsRoutes } from '../edge/http/things-routes.js';
import { registerWhoamiRoute } from '../edge/http/whoami-route.js';
import { Metrics } from '../ops/metrics.js';
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
  const store = createStore(config.store, config.dataDir);
  const bus: EventBus = new MemoryBus();
  const metrics = new Metrics({ countThings: () => store.count('thing') });
  const committer = new GroupCommitter(store, {
    onBatch: (s) => {
      metrics.commitBatchSize.observe(s.size);
      metrics.commitSeconds.observe(s.seconds);
    },
  });
  const policies = new PolicyRepository(store);
  const enforcers = new PolicyEnforcers(policies, { namespaceRoots: config.namespaceRootPolicies, clock });
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

  let state: 'created' | 'starting' | 'running' | 'draining' | 'stopped' = 'created';
  const health = {
    async notReadyReason(): Promise<string | undefined> {
      if (state !== 'running') return state === 'draining' || state === 'stopped' ? 'draining' : 'starting';
      return (await store.ping()) ? undefined : 'store unreachable';
    },
    async details(): Promise<Record<string, unknown>> {
      return { store: { dialect: store.dialect, up: await store.ping() }, state };
    },
  };

  const http = createHttpServer({
    logger,
    authenticator: new Authenticator({ users: config.users, preauth: config.preauth }),
    metrics,
    maxBodyBytes: config.maxBodyBytes,
  });
  http.addHook('onSend', (_request, reply, payload, done) => {
    if (state === 'draining') void reply.header('connection', 'close');
    done(null, payload);
  });
  registerOpsRoutes(http, { health, metrics, devopsPassword: config.devopsPassword });
  registerWhoamiRoute(http);
  registerThingsRoutes(http, { things, defaultNamespace: config.defaultNamespace });
  registerPoliciesRoutes(http, { policies: policyService });
  registerCheckPermissionsRoute(http, { checks: new PermissionChecks(things, enforcers) });

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
      await store.open();
      if (config.seedExamples) {
        const owner = `nginx:${config.users[0]?.username ?? 'ditto'}`;
        const result = await seedExamples(
          { things, policies: policyService },
          { subjects: [owner], primary: owner },
        );
        if (result.seeded)
          logger.info({ things: result.things, owner }, 'seeded the example world (namespace egiz.examples)');
      }
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
