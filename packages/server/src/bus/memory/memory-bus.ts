/** @module The in-process event bus: synchronous fan-out to local subscribers, in publish order. */
import type { BusListener, BusMessage, EventBus } from '../port.js';

export class MemoryBus implements EventBus {
  readonly #listeners = new Set<BusListener>();

  publish(messages: readonly BusMessage[]): void {
    for (const m of messages)
      for (const l of this.#listeners) {
        try {
          l(m);
        } catch {
          // A failing subscriber must not stop delivery to the others; subscribers log their own errors.
        }
      }
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}
