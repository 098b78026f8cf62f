import { describe, expect, it } from 'vitest';
import { CorkedWrites, type Corkable } from './corked-writes.js';
import { CommitToDelivery } from './delivery-latency.js';

function recorder() {
  const seen: number[] = [];
  return { seen, observe: (s: number) => void seen.push(s) };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
const socket: Corkable = { cork: () => undefined, uncork: () => undefined };

describe('CommitToDelivery', () => {
  it('observes each event once per stage, in seconds from its commit; `written` once its sockets were written', async () => {
    const first = recorder();
    const last = recorder();
    const written = recorder();
    const writes = new CorkedWrites();
    const latency = new CommitToDelivery({ first, last, written }, (cb) => writes.afterWrites(cb));
    const now = performance.now();
    // The sockets of both events are corked until the next turn writes them.
    writes.cork(socket);
    latency.observe({ committedAt: now - 12, firstAt: now - 10, lastAt: now - 2 });
    latency.observe({ committedAt: now - 4, firstAt: now - 3, lastAt: now - 1 });
    expect(first.seen.map((s) => Math.round(s * 1e3))).toEqual([2, 1]);
    expect(last.seen.map((s) => Math.round(s * 1e3))).toEqual([10, 3]);
    expect(written.seen).toEqual([]);
    await turn();
    expect(written.seen).toHaveLength(2);
    expect(written.seen[0]).toBeGreaterThanOrEqual(0.012);
    expect(written.seen[1]).toBeGreaterThanOrEqual(0.004);
    // One clock read for the turn: both waited the same time since their own commit.
    expect((written.seen[0] ?? 0) - (written.seen[1] ?? 0)).toBeCloseTo(0.008, 6);
    const t = performance.now();
    latency.observe({ committedAt: t, firstAt: t, lastAt: t });
    await turn();
    expect(written.seen).toHaveLength(3);
    expect(first.seen).toHaveLength(3);
    expect(last.seen).toHaveLength(3);
  });
});
