/**
 * @module The Thing as it was right after an event, for enrichment (extraFields). The write path
 * updates its cache before it publishes, so the loaded state usually has the event's revision; when
 * a later write got there first, the state is rebuilt from the last one seen here by applying the
 * event (evolve is pure), and only when neither is possible the newest state is used.
 */
import { evolveThing, type ThingEvent, type ThingState } from '@egiz/core';
import { LruCache } from '../dispatch/lru-cache.js';

export class StateAfterEvent {
  readonly #load: (thingId: string) => Promise<ThingState | undefined>;
  readonly #seen: LruCache<ThingState>;

  constructor(load: (thingId: string) => Promise<ThingState | undefined>, capacity = 10_000) {
    this.#load = load;
    this.#seen = new LruCache(capacity);
  }

  async after(event: ThingEvent): Promise<ThingState | undefined> {
    const previous = this.#seen.get(event.thingId);
    let next: ThingState | undefined;
    if (previous && previous.revision === event.revision - 1) next = evolveThing(previous, event);
    else if (previous && previous.revision === event.revision) next = previous;
    else {
      const loaded = await this.#load(event.thingId);
      if (loaded && loaded.revision === event.revision - 1) next = evolveThing(loaded, event);
      else next = loaded;
    }
    if (next) this.#seen.set(event.thingId, next);
    return next;
  }
}
