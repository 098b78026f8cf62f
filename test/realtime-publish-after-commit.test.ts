/**
 * The write-path rule the realtime surface relies on: ThingService publishes an event only after the
 * store commit that holds it has succeeded (a subscriber never sees what a crash could undo).
 */
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../packages/server/src/bus/port.js';
import { startServer } from './support/egiz-server.js';

describe('publishing after commit (ThingService on MemoryBus)', () => {
  it('publishes nothing while the commit is pending, and the event once it is durable', async () => {
    const s = await startServer();
    try {
      const seen: BusMessage[] = [];
      s.egiz.bus.subscribe((m) => seen.push(m));
      const store = s.egiz.store;
      const commit = store.commit.bind(store);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let committed = false;
      store.commit = async (mutations) => {
        await gate;
        const result = await commit(mutations);
        committed = true;
        return result;
      };
      const put = s.request('/api/2/things/bus.test:gated', { method: 'PUT', json: {} });
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual([]);
      release();
      expect((await put).status).toBe(201);
      expect(committed).toBe(true);
      const types = seen.map((m) => m.event.type);
      expect(types).toContain('things.events:thingCreated');
      store.commit = commit;
    } finally {
      await s.close();
    }
  });
});
