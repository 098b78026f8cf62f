/** EGIZ_SEED_EXAMPLES=true seeds the example world once, owned by the first user, readable and searchable by id. */
import { describe, expect, it } from 'vitest';
import { startServer } from './support/egiz-server.js';

describe('example world seeding', () => {
  it('creates the examples policy and twins on first start, and not again', async () => {
    const s = await startServer({ EGIZ_SEED_EXAMPLES: 'true' });
    try {
      const hq = await s.request('/api/2/things/egiz.examples:hq');
      expect(hq.status).toBe(200);
      expect((await hq.json()).attributes.name).toBe('Egiz HQ');
      const van = await (
        await s.request('/api/2/things/egiz.examples:van-1/features/position/properties')
      ).json();
      expect(typeof van.lat).toBe('number');
      expect((await s.request('/api/2/policies/egiz.examples:examples-policy')).status).toBe(200);
      expect((await s.request('/api/2/things/egiz.examples:hq', { auth: 'bob:bob-pw' })).status).toBe(404);
      const revision = (await s.request('/api/2/things/egiz.examples:hq')).headers.get('etag');
      await s.egiz.stop();
      const again = await startServer({ EGIZ_SEED_EXAMPLES: 'true', EGIZ_DATA_DIR: s.dataDir });
      try {
        expect((await again.request('/api/2/things/egiz.examples:hq')).headers.get('etag')).toBe(revision);
      } finally {
        await again.egiz.stop();
      }
    } finally {
      await s.close();
    }
  });
});
