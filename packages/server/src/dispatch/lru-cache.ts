/**
 * @module A bounded, approximately least-recently-used map. Map keeps insertion order; a hit moves
 * its entry to the young end only when it has drifted into the older half, so hot keys are not
 * deleted and re-inserted on every read (that churn was a measurable share of a GET). Eviction takes
 * the oldest insertion; an entry touched within the last capacity/2 insertions or moves is never it.
 */

interface Entry<V> {
  value: V;
  /** The stamp of its last (re)insertion. */
  stamp: number;
}

export class LruCache<V> {
  readonly #map = new Map<string, Entry<V>>();
  readonly #capacity: number;
  readonly #window: number;
  #stamp = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
    this.#window = Math.max(1, Math.floor(this.#capacity / 2));
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    if (this.#stamp - e.stamp >= this.#window) {
      this.#map.delete(key);
      e.stamp = ++this.#stamp;
      this.#map.set(key, e);
    }
    return e.value;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, { value, stamp: ++this.#stamp });
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }
}
