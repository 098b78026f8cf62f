import { describe, expect, it } from 'vitest';
import { Outbox, type Frame } from './outbox.js';

/** A transport whose flushes the test completes by hand. */
class ManualTransport {
  readonly written: Frame[] = [];
  readonly pending: (() => void)[] = [];
  write(frame: Frame, done: () => void): void {
    this.written.push(frame);
    this.pending.push(done);
  }
  flushAll(): void {
    for (const done of this.pending.splice(0)) done();
  }
}

const limits = { maxQueued: 3, maxQueuedBytes: 100, highWaterBytes: 10 };

describe('Outbox', () => {
  it('writes while under the high-water mark, queues beyond it, and pumps in order as flushes complete', () => {
    const t = new ManualTransport();
    const box = new Outbox(t, limits, () => undefined);
    expect(box.push('aaaaaaaaaa')).toBe(true); // 10 bytes in flight: at the mark
    expect(box.push('b')).toBe(true);
    expect(box.push(new TextEncoder().encode('cc'))).toBe(true);
    expect(t.written).toEqual(['aaaaaaaaaa']);
    expect(box.stats).toMatchObject({ queued: 2, queuedBytes: 3, inFlightBytes: 10 });
    t.flushAll();
    expect(t.written.length).toBe(3);
    expect(box.stats).toMatchObject({ queued: 0, queuedBytes: 0, inFlightBytes: 3, sent: 3 });
  });

  it('overflows on the count or byte limit: drops what it holds, reports once, refuses more', () => {
    const t = new ManualTransport();
    const reports: number[] = [];
    const box = new Outbox(t, limits, (s) => reports.push(s.queued));
    box.push('x'.repeat(10));
    for (let i = 0; i < 3; i++) expect(box.push(`q${i}`)).toBe(true);
    expect(box.push('one too many')).toBe(false);
    expect(reports).toEqual([3]);
    expect(box.overflowed).toBe(true);
    expect(box.stats.queued).toBe(0);
    expect(box.push('later')).toBe(false);
    box.pushFinal('the error frame');
    expect(t.written).toEqual(['x'.repeat(10), 'the error frame']);

    const bytes = new Outbox(new ManualTransport(), limits, (s) => reports.push(s.queuedBytes));
    bytes.push('x'.repeat(10));
    expect(bytes.push('y'.repeat(60))).toBe(true);
    expect(bytes.push('z'.repeat(60))).toBe(false);
    expect(reports).toEqual([3, 60]);
  });

  it('forgets its queue when closed', () => {
    const t = new ManualTransport();
    const box = new Outbox(t, limits, () => undefined);
    box.push('x'.repeat(10));
    box.push('queued');
    box.close();
    t.flushAll();
    expect(t.written).toEqual(['x'.repeat(10)]);
    expect(box.push('more')).toBe(false);
  });
});
