/**
 * @module Policy announcements (basic-policy "Subject deletion announcements"): a subject with an
 * `announcement` is announced to the WebSocket sessions that subscribed to policy announcements and
 * are authenticated with that subject — `beforeExpiry` ahead of its expiry, and (`whenDeleted`) when
 * it is deleted, by its expiry or by a change of the Policy, unless an earlier announcement of it
 * was acknowledged. With `requestedAcks` an announcement counts as acknowledged only when every
 * label was acknowledged with a 2xx status in time; otherwise it is published again after a
 * growing back-off, until it is acknowledged or a grace period after the deletion has passed.
 *
 * The announcer sees every Policy the node loads or changes (the policy repository reports them)
 * and keeps one tracker per announcing subject: a timer and a few flags, so memory is bounded by
 * the subjects that have an `announcement`.
 */
import { randomUUID } from 'node:crypto';
import {
  isJsonObject,
  namespaceOf,
  policyAnnouncementEnvelope,
  type DittoEnvelope,
  type JsonObject,
  type JsonValue,
  type PolicyState,
} from '@egiz/core';
import { DEFAULT_ACK_TIMEOUT_MS, type AckCoordinator } from './ack-coordinator.js';
import { selectsEntity, type StreamSelector } from './stream-selector.js';

export interface AnnouncementSink {
  readonly id: string;
  readonly selector: StreamSelector;
  /** The session's current authorization subjects. */
  subjects(): readonly string[];
  deliver(envelope: DittoEnvelope): boolean;
}

export interface PolicyAnnouncerOptions {
  readonly clock: () => Date;
  readonly acks: AckCoordinator;
  /** First wait before an unacknowledged announcement is published again; doubles up to maxBackoffMs. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long after a subject's deletion an unacknowledged announcement is still retried. */
  readonly gracePeriodMs?: number;
  readonly onError?: (error: unknown) => void;
}

/** Ditto's limit for the acknowledgement timeout of announcements. */
const MAX_ACK_TIMEOUT_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Settings {
  readonly subjectId: string;
  readonly expiry: number | undefined;
  readonly beforeExpiryMs: number | undefined;
  readonly whenDeleted: boolean;
  readonly labels: readonly string[];
  readonly ackTimeoutMs: number;
  readonly randomizationMs: number;
}

interface Tracker {
  readonly policyId: string;
  /** Subject id plus its JSON: a changed subject is a new tracker (the old one is retired). */
  readonly key: string;
  readonly settings: Settings;
  timer: NodeJS.Timeout | undefined;
  /** Waiting for the acknowledgements of a published announcement. */
  awaiting: boolean;
  acknowledged: boolean;
  deletedAt: number | undefined;
  backoffMs: number;
  retired: boolean;
}

/** Milliseconds of a policy duration (`ms`, `s`, `m`, `h`; validated when the policy was written). */
function durationMs(v: JsonValue | undefined): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\+?(\d+)(ms|s|m|h)?$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n;
    case 'm':
      return n * 60_000;
    case 'h':
      return n * 3_600_000;
    default:
      return n * 1000;
  }
}

/** Every subject of a (live) Policy that has an `announcement`, keyed by id + JSON. */
function announcingSubjects(policy: JsonObject): Map<string, Settings> {
  const out = new Map<string, Settings>();
  const entries = policy.entries;
  if (!isJsonObject(entries)) return out;
  for (const entry of Object.values(entries)) {
    if (!isJsonObject(entry) || !isJsonObject(entry.subjects)) continue;
    for (const [subjectId, subject] of Object.entries(entry.subjects)) {
      if (!isJsonObject(subject) || !isJsonObject(subject.announcement)) continue;
      const a = subject.announcement;
      const expiry = typeof subject.expiry === 'string' ? Date.parse(subject.expiry) : Number.NaN;
      const acks = isJsonObject(a.requestedAcks) ? a.requestedAcks : {};
      const labels = Array.isArray(acks.labels)
        ? acks.labels.filter((l): l is string => typeof l === 'string')
        : [];
      out.set(`${subjectId}\u0000${JSON.stringify(subject)}`, {
        subjectId,
        expiry: Number.isNaN(expiry) ? undefined : expiry,
        beforeExpiryMs: durationMs(a.beforeExpiry),
        whenDeleted: a.whenDeleted === true,
        labels,
        ackTimeoutMs: Math.min(durationMs(acks.timeout) ?? DEFAULT_ACK_TIMEOUT_MS, MAX_ACK_TIMEOUT_MS),
        randomizationMs: durationMs(a.randomizationInterval) ?? 0,
      });
    }
  }
  return out;
}

export class PolicyAnnouncer {
  readonly #opts: Required<Omit<PolicyAnnouncerOptions, 'onError'>> & Pick<PolicyAnnouncerOptions, 'onError'>;
  readonly #sinks = new Set<AnnouncementSink>();
  /** Trackers per policy id, by subject key. */
  readonly #policies = new Map<string, Map<string, Tracker>>();
  #closed = false;

  constructor(opts: PolicyAnnouncerOptions) {
    this.#opts = {
      minBackoffMs: 1000,
      maxBackoffMs: 3_600_000,
      gracePeriodMs: 4 * 3_600_000,
      ...opts,
    };
  }

  /** Registers a subscriber; returns the function that removes it. */
  add(sink: AnnouncementSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Announcing subjects being tracked (for tests and metrics). */
  get tracked(): number {
    let n = 0;
    for (const t of this.#policies.values()) n += t.size;
    return n;
  }

  /**
   * A Policy as loaded or after a committed change (deleted ones included). New announcing subjects
   * start being tracked; subjects gone from the Policy are deleted (announced when `whenDeleted`),
   * unless the same subject id is still there with other settings (then the new tracker takes over).
   */
  observe(state: PolicyState): void {
    if (this.#closed) return;
    const now = this.#opts.clock().getTime();
    const current = state.deleted ? new Map<string, Settings>() : announcingSubjects(state.policy);
    let trackers = this.#policies.get(state.id);
    if (!trackers && current.size === 0) return;
    trackers ??= new Map();
    const stillThere = new Set([...current.values()].map((s) => s.subjectId));
    for (const [key, t] of trackers) {
      if (current.has(key)) continue;
      trackers.delete(key);
      if (stillThere.has(t.settings.subjectId)) this.#retire(t);
      else this.#deleted(t, now);
    }
    for (const [key, settings] of current) {
      if (trackers.has(key)) continue;
      const t: Tracker = {
        policyId: state.id,
        key,
        settings,
        timer: undefined,
        awaiting: false,
        acknowledged: false,
        deletedAt: undefined,
        backoffMs: this.#opts.minBackoffMs,
        retired: false,
      };
      trackers.set(key, t);
      this.#scheduleBeforeExpiry(t, now);
    }
    if (trackers.size > 0) this.#policies.set(state.id, trackers);
    else this.#policies.delete(state.id);
  }

  /** Stops every timer (shutdown). */
  close(): void {
    this.#closed = true;
    for (const trackers of this.#policies.values()) for (const t of trackers.values()) this.#retire(t);
    this.#policies.clear();
    this.#sinks.clear();
  }

  #retire(t: Tracker): void {
    t.retired = true;
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
  }

  #at(t: Tracker, when: number, now: number, run: () => void): void {
    if (t.timer) clearTimeout(t.timer);
    const delay = Math.max(0, when - now);
    t.timer = setTimeout(
      () => {
        t.timer = undefined;
        if (t.retired || this.#closed) return;
        // Long delays are reached in steps (timers cap at ~24.8 days).
        const at = this.#opts.clock().getTime();
        if (at < when) this.#at(t, when, at, run);
        else run();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    t.timer.unref();
  }

  #scheduleBeforeExpiry(t: Tracker, now: number): void {
    const { expiry, beforeExpiryMs, randomizationMs } = t.settings;
    if (expiry === undefined || beforeExpiryMs === undefined || expiry <= now) return;
    // Optional spreading (`randomizationInterval`): somewhere in the interval before the due time.
    const due = expiry - beforeExpiryMs - Math.floor(Math.random() * randomizationMs);
    this.#at(t, due, now, () => this.#announce(t));
  }

  /** The subject left the Policy (expired and removed, or deleted by a change). */
  #deleted(t: Tracker, now: number): void {
    t.deletedAt = now;
    if (t.awaiting) return; // the running announcement's retries carry on
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    if (t.settings.whenDeleted && !t.acknowledged) this.#announce(t);
    else t.retired = true;
  }

  #announce(t: Tracker): void {
    if (t.retired || this.#closed) return;
    const { settings } = t;
    const correlationId = randomUUID();
    const deleteAt = new Date(t.deletedAt ?? settings.expiry ?? this.#opts.clock().getTime()).toISOString();
    const labels = settings.labels;
    const headers: JsonObject = {
      'correlation-id': correlationId,
      ...(labels.length > 0
        ? { 'requested-acks': [...labels], timeout: `${settings.ackTimeoutMs}ms`, 'response-required': true }
        : {}),
    };
    const envelope = policyAnnouncementEnvelope({
      policyId: t.policyId,
      name: 'subjectDeletion',
      value: { deleteAt, subjectIds: [settings.subjectId] },
      headers,
    });
    // Wait for acks before publishing so that none can arrive unseen.
    const results =
      labels.length > 0
        ? this.#opts.acks.expect({
            correlationId,
            channel: 'twin',
            requested: labels,
            custom: labels,
            aggregated: true,
            responseRequired: true,
            timeoutMs: settings.ackTimeoutMs,
            eventHeaders: {},
          })
        : undefined;
    const namespace = namespaceOf(t.policyId);
    for (const sink of this.#sinks) {
      if (!selectsEntity(sink.selector, t.policyId, namespace)) continue;
      if (!sink.subjects().includes(settings.subjectId)) continue;
      sink.deliver(envelope);
    }
    if (!results) {
      // Nothing to wait for: published counts as acknowledged (no later whenDeleted announcement).
      t.acknowledged = true;
      if (t.deletedAt !== undefined) t.retired = true;
      return;
    }
    t.awaiting = true;
    results.then(
      (r) => {
        t.awaiting = false;
        if (t.retired || this.#closed) return;
        const ok = labels.every((l) => {
          const s = r.get(l)?.status;
          return s !== undefined && s >= 200 && s < 300;
        });
        if (ok) {
          t.acknowledged = true;
          if (t.deletedAt !== undefined) t.retired = true;
          return;
        }
        this.#retry(t);
      },
      (e: unknown) => {
        t.awaiting = false;
        this.#opts.onError?.(e);
      },
    );
  }

  /** Publishes an unacknowledged announcement again after a growing back-off, within bounds. */
  #retry(t: Tracker): void {
    const now = this.#opts.clock().getTime();
    const at = now + t.backoffMs;
    t.backoffMs = Math.min(t.backoffMs * 2, this.#opts.maxBackoffMs);
    const end =
      t.deletedAt !== undefined
        ? t.deletedAt + this.#opts.gracePeriodMs
        : (t.settings.expiry ?? now) + this.#opts.gracePeriodMs;
    if (at > end) {
      t.retired = true;
      return;
    }
    this.#at(t, at, now, () => this.#announce(t));
  }
}
