/**
 * @module Twin events from the bus to every subscriber that may see them. Events are handled one at
 * a time in bus order (so each subscriber gets a twin's events in revision order). Per event: the
 * cheap checks (namespace, ids, path, no echo to the session that caused it), then the Thing's
 * enforcer, looked up per event (revision-checked, so a policy change applies to open streams at
 * once), then per subscriber: READ on the event's path or below, the value cut to what it may read,
 * enrichment from the readable Thing after the event, and the RQL filter on the event as a partial
 * Thing merged with the enrichment (Ditto's rule). What passes goes to the subscriber's sink.
 */
import {
  eventAsThing,
  isJsonObject,
  namespaceOf,
  parsePointer,
  selectFields,
  type Enforcer,
  type JsonObject,
  type JsonValue,
  type Pointer,
  type ThingEvent,
  type ThingState,
} from '@egiz/core';
import type { BusMessage, EventBus } from '../bus/port.js';
import { StateAfterEvent } from './state-after-event.js';
import { resolveExtraFields, selectsEntity, type StreamSelector } from './stream-selector.js';

const READ = ['READ'] as const;

export interface EventDelivery {
  readonly event: ThingEvent;
  /** The part of the event's value the subscriber may read (undefined for deletions). */
  readonly value: JsonValue | undefined;
  /** True when `value` was cut down by the policy. */
  readonly partial: boolean;
  readonly extra?: JsonObject;
  /** Protocol headers of the event: correlation-id, requested-acks, ditto-originator. */
  readonly headers: Readonly<Record<string, JsonValue>>;
  /** Per-event memo shared by all sinks (e.g. the serialised envelope of the full, unenriched event). */
  readonly shared: Map<string, unknown>;
  /**
   * Memo of this delivery object. Sinks with the same view of an event (same subjects, no
   * enrichment) get the very same delivery object, so a frame encoded once here serves them all.
   */
  readonly memo: Map<string, unknown>;
}

export interface EventSink {
  /** Unique per subscriber; equal to the `origin` of its own commands, which it is not sent back. */
  readonly id: string;
  readonly selector: StreamSelector;
  /** The subscriber's current authorization subjects. */
  subjects(): readonly string[];
  deliver(delivery: EventDelivery): void;
  /** Called when an event the subscriber selected was withheld (no READ, or the filter said no). */
  withheld?(event: ThingEvent, headers: Readonly<Record<string, JsonValue>>): void;
}

export interface EventFanoutDeps {
  readonly bus: EventBus;
  readonly enforcer: (
    policyId: string,
    namespace: string,
  ) => Enforcer | undefined | Promise<Enforcer | undefined>;
  readonly loadThing: (thingId: string) => Promise<ThingState | undefined>;
  readonly onError: (error: unknown) => void;
  /**
   * Observes each event once it was handed to its subscribers (metrics): how many got it, and when
   * (only for events that carry their commit time).
   */
  readonly onDelivered?: (event: ThingEvent, deliveries: number, timing: DeliveryTiming | undefined) => void;
  /** Every event received so far has been handed to its subscribers (e.g. write the corked sockets now). */
  readonly onDrained?: () => void;
}

/** When an event was committed and handed to its subscribers, as `performance.now()` of this process. */
export interface DeliveryTiming {
  /** The commit of the event was durable (`committedAt` of the bus message). */
  readonly committedAt: number;
  /** The first subscriber's sink took the event's frame. */
  readonly firstAt: number;
  /** The last subscriber's sink took it: every frame of the event is with its socket (or queue). */
  readonly lastAt: number;
}

/** What a set of subjects may see of one event: nothing, all of it, or a cut value. */
type Access =
  | { readonly kind: 'none' }
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly value: JsonValue | undefined };

const NO_ACCESS: Access = { kind: 'none' };
const FULL_ACCESS: Access = { kind: 'full' };

/**
 * One string per distinct set of subjects, computed once per subjects array (sessions keep their
 * array until a token refresh), so per-event memos are keyed without joining arrays per delivery.
 */
const subjectKeys = new WeakMap<readonly string[], string>();
function subjectsKey(subjects: readonly string[]): string {
  let key = subjectKeys.get(subjects);
  if (key === undefined) {
    key = subjects.length === 1 ? (subjects[0] ?? '') : [...subjects].sort().join('\n');
    subjectKeys.set(subjects, key);
  }
  return key;
}

/**
 * Whether a set of subjects reads the whole Thing, per compiled enforcer (one per policy
 * revision): most subscribers do, and for them an event needs no per-path check at all.
 */
const wholeReaders = new WeakMap<Enforcer, Map<string, boolean>>();
function readsWholeThing(enforcer: Enforcer, key: string, subjects: readonly string[]): boolean {
  let byKey = wholeReaders.get(enforcer);
  if (byKey === undefined) {
    byKey = new Map();
    wholeReaders.set(enforcer, byKey);
  }
  let whole = byKey.get(key);
  if (whole === undefined) {
    whole = enforcer.hasUnrestricted('thing', '/', subjects, READ);
    // Bounded: a policy read by more distinct subject sets than this is checked per event.
    if (byKey.size < 1024) byKey.set(key, whole);
  }
  return whole;
}

/** Deep merge of enrichment over the event's partial Thing (extra wins, objects are merged). */
function mergeObjects(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isJsonObject(b) && isJsonObject(v) ? mergeObjects(b, v) : v;
  }
  return out;
}

function eventHeaders(m: Extract<BusMessage, { kind: 'thing' }>): Readonly<Record<string, JsonValue>> {
  const h = m.headers;
  if (!h) return {};
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === 'requested-acks') {
      try {
        out[k] = JSON.parse(v) as JsonValue;
      } catch {
        out[k] = v;
      }
    } else out[k] = v;
  }
  return out;
}

/** The filter target: the event as a partial Thing (what the reader may see), enrichment, placeholders. */
export function filterTarget(
  event: ThingEvent,
  value: JsonValue | undefined,
  extra: JsonObject | undefined,
  channel: 'twin' | 'live' = 'twin',
): Record<string, unknown> {
  const base = eventAsThing(value === event.value ? event : ({ ...event, value } as ThingEvent));
  const thing = extra ? mergeObjects(base, extra) : base;
  const ns = namespaceOf(event.thingId);
  return {
    ...thing,
    _namespace: ns,
    'topic:namespace': ns,
    'topic:entityName': event.thingId.slice(ns.length + 1),
    'topic:group': 'things',
    'topic:channel': channel,
    'topic:criterion': 'events',
    'topic:action': event.action,
    'resource:type': 'thing',
    'resource:path': event.path,
  };
}

class EventContext {
  readonly shared = new Map<string, unknown>();
  readonly #views = new Map<string, JsonObject | undefined>();
  readonly #access = new Map<string, Access>();
  readonly #deliveries = new Map<string, EventDelivery>();
  readonly #filtered = new Map<string, boolean>();
  #full: EventDelivery | undefined;
  #state: Promise<ThingState | undefined> | undefined;

  constructor(
    readonly event: ThingEvent,
    readonly pointer: Pointer,
    readonly enforcer: Enforcer,
    readonly headers: Readonly<Record<string, JsonValue>>,
    private readonly stateAfter: () => Promise<ThingState | undefined>,
  ) {}

  /** What `subjects` may see of the event, decided once per set of subjects. */
  access(key: string, subjects: readonly string[]): Access {
    let a = this.#access.get(key);
    if (a !== undefined) return a;
    const { enforcer, pointer, event } = this;
    if (readsWholeThing(enforcer, key, subjects)) a = FULL_ACCESS;
    else if (!enforcer.hasPartial('thing', pointer, subjects, READ)) a = NO_ACCESS;
    else if (event.value === undefined || enforcer.hasUnrestricted('thing', pointer, subjects, READ))
      a = FULL_ACCESS;
    else {
      const value = enforcer.view('thing', subjects, event.value, pointer);
      a = value === undefined ? NO_ACCESS : { kind: 'partial', value };
    }
    this.#access.set(key, a);
    return a;
  }

  /** The unenriched delivery for a view: one object per set of subjects (one for all full readers). */
  delivery(key: string, access: Access): EventDelivery {
    if (access.kind === 'full')
      return (this.#full ??= {
        event: this.event,
        value: this.event.value,
        partial: false,
        headers: this.headers,
        shared: this.shared,
        memo: new Map(),
      });
    let d = this.#deliveries.get(key);
    if (d === undefined) {
      d = {
        event: this.event,
        value: access.kind === 'partial' ? access.value : undefined,
        partial: true,
        headers: this.headers,
        shared: this.shared,
        memo: new Map(),
      };
      this.#deliveries.set(key, d);
    }
    return d;
  }

  /** A filter's verdict on an unenriched view, evaluated once per (filter text, set of subjects). */
  passes(key: string, access: Access, selector: StreamSelector): boolean {
    const filter = selector.filter;
    if (!filter) return true;
    const memoKey = `${key}\u0000${selector.filterText ?? ''}`;
    let ok = this.#filtered.get(memoKey);
    if (ok === undefined) {
      ok = filter(
        filterTarget(this.event, access.kind === 'partial' ? access.value : this.event.value, undefined),
      );
      this.#filtered.set(memoKey, ok);
    }
    return ok;
  }

  /** The readable Thing after the event with its special fields, memoised per set of subjects. */
  async readableThing(subjects: readonly string[]): Promise<JsonObject | undefined> {
    const key = subjectsKey(subjects);
    if (this.#views.has(key)) return this.#views.get(key);
    this.#state ??= this.stateAfter();
    const state = await this.#state;
    let view: JsonObject | undefined;
    if (state && !state.deleted) {
      const thing = this.enforcer.hasUnrestricted('thing', '/', subjects, READ)
        ? state.thing
        : ((this.enforcer.view('thing', subjects, state.thing) ?? {}) as JsonObject);
      view = {
        ...thing,
        thingId: state.thingId,
        _namespace: namespaceOf(state.thingId),
        _revision: state.revision,
        _created: state.created,
        _modified: state.modified,
      };
    }
    this.#views.set(key, view);
    return view;
  }
}

export class EventFanout {
  readonly #deps: EventFanoutDeps;
  readonly #sinks = new Set<EventSink>();
  readonly #states: StateAfterEvent;
  #pending: Extract<BusMessage, { kind: 'thing' }>[] = [];
  #head = 0;
  #running = false;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: EventFanoutDeps) {
    this.#deps = deps;
    this.#states = new StateAfterEvent(deps.loadThing);
  }

  start(): void {
    this.#unsubscribe ??= this.#deps.bus.subscribe((m) => {
      if (m.kind !== 'thing' || this.#sinks.size === 0) return;
      this.#pending.push(m);
      if (!this.#running) void this.#run();
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#sinks.clear();
  }

  /** Registers a sink; returns the function that removes it. */
  add(sink: EventSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  get size(): number {
    return this.#sinks.size;
  }

  /** Events waiting to be fanned out (bounded in practice by the write rate; exposed as a metric). */
  get backlog(): number {
    return this.#pending.length - this.#head;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#head < this.#pending.length) {
        const m = this.#pending[this.#head] as Extract<BusMessage, { kind: 'thing' }>;
        this.#pending[this.#head++] = undefined as never;
        if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
          this.#pending = this.#pending.slice(this.#head);
          this.#head = 0;
        }
        try {
          await this.#dispatch(m);
        } catch (e) {
          this.#deps.onError(e);
        }
      }
      this.#pending = [];
      this.#head = 0;
    } finally {
      this.#running = false;
    }
    this.#deps.onDrained?.();
  }

  async #dispatch(m: Extract<BusMessage, { kind: 'thing' }>): Promise<void> {
    const event = m.event;
    const namespace = namespaceOf(event.thingId);
    const pointer = parsePointer(event.path) ?? [];
    const candidates: EventSink[] = [];
    for (const s of this.#sinks)
      if (s.id !== m.origin && selectsEntity(s.selector, event.thingId, namespace, pointer))
        candidates.push(s);
    if (candidates.length === 0) return;
    const headers = eventHeaders(m);
    const enforcer = m.policyId === undefined ? undefined : await this.#deps.enforcer(m.policyId, namespace);
    if (!enforcer) {
      for (const s of candidates) s.withheld?.(event, headers);
      return;
    }
    const ctx = new EventContext(event, pointer, enforcer, headers, () => this.#states.after(event));
    const committedAt = m.committedAt;
    let delivered = 0;
    let firstAt = 0;
    for (const sink of candidates) {
      if (!this.#sinks.has(sink)) continue;
      const view = this.#view(sink, ctx);
      const delivery = view instanceof Promise ? await view : view;
      if (delivery) {
        sink.deliver(delivery);
        // Two clock reads per event (first and last subscriber), none per further delivery.
        if (delivered++ === 0 && committedAt !== undefined) firstAt = performance.now();
      } else sink.withheld?.(event, headers);
    }
    if (delivered === 0) return;
    this.#deps.onDelivered?.(
      event,
      delivered,
      committedAt === undefined
        ? undefined
        : { committedAt, firstAt, lastAt: delivered === 1 ? firstAt : performance.now() },
    );
  }

  /**
   * What a sink would receive of an event outside the bus (history replay): the same checks, views,
   * enrichment (from `state`, the Thing after the event) and filter. Undefined when withheld.
   */
  async project(
    sink: EventSink,
    event: ThingEvent,
    policyId: string,
    state: ThingState,
  ): Promise<EventDelivery | undefined> {
    const namespace = namespaceOf(event.thingId);
    const pointer = parsePointer(event.path) ?? [];
    if (!selectsEntity(sink.selector, event.thingId, namespace, pointer)) return undefined;
    const enforcer = await this.#deps.enforcer(policyId, namespace);
    if (!enforcer) return undefined;
    return await this.#view(
      sink,
      new EventContext(event, pointer, enforcer, {}, () => Promise.resolve(state)),
    );
  }

  /** The sink's view of the event; synchronous unless enrichment needs the Thing. */
  #view(sink: EventSink, ctx: EventContext): EventDelivery | undefined | Promise<EventDelivery | undefined> {
    const subjects = sink.subjects();
    const key = subjectsKey(subjects);
    const access = ctx.access(key, subjects);
    if (access.kind === 'none') return undefined;
    const selector = sink.selector;
    const { event, pointer } = ctx;
    if (!selector.extraFields || event.action === 'deleted')
      return ctx.passes(key, access, selector) ? ctx.delivery(key, access) : undefined;
    const value = access.kind === 'partial' ? access.value : event.value;
    const finish = (extra: JsonObject | undefined): EventDelivery | undefined => {
      if (!extra) return ctx.passes(key, access, selector) ? ctx.delivery(key, access) : undefined;
      if (selector.filter && !selector.filter(filterTarget(event, value, extra))) return undefined;
      return {
        event,
        value,
        partial: access.kind === 'partial',
        extra,
        headers: ctx.headers,
        shared: ctx.shared,
        memo: new Map(),
      };
    };
    const fields = selector.extraFields;
    return ctx.readableThing(subjects).then((thing) => {
      if (!thing) return finish(undefined);
      const featureId = pointer[0] === 'features' ? pointer[1] : undefined;
      const selected = selectFields(thing, resolveExtraFields(fields, featureId));
      return finish(Object.keys(selected).length > 0 ? selected : undefined);
    });
  }
}
