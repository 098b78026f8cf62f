import { describe, expect, it } from 'vitest';
import { CorkedWrites, type Corkable } from './corked-writes.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

function socket(name: string, log: string[]): Corkable & { corked: number } {
  const s = {
    corked: 0,
    cork() {
      s.corked++;
      log.push(`cork ${name}`);
    },
    uncork() {
      s.corked--;
      log.push(`uncork ${name}`);
    },
  };
  return s;
}

describe('CorkedWrites', () => {
  it('corks a socket once per turn and writes every corked socket on the next turn', async () => {
    const log: string[] = [];
    const writes = new CorkedWrites();
    const a = socket('a', log);
    const b = socket('b', log);
    writes.cork(a);
    writes.cork(b);
    writes.cork(a); // a second frame of the turn: still one cork
    expect(log).toEqual(['cork a', 'cork b']);
    expect(writes.pending).toBe(2);
    await turn();
    expect(log.slice(2)).toEqual(['uncork a', 'uncork b']);
    expect(writes.pending).toBe(0);
    writes.cork(a); // a new turn corks again
    await turn();
    expect(log.slice(4)).toEqual(['cork a', 'uncork a']);
  });

  it('calls afterWrites back after the sockets corked before it were written, in order', async () => {
    const log: string[] = [];
    const writes = new CorkedWrites();
    const done: string[] = [];
    // Nothing corked: after this turn's writes, i.e. on the next turn.
    writes.afterWrites(() => done.push('empty'));
    expect(done).toEqual([]);
    await turn();
    expect(done).toEqual(['empty']);
    const a = socket('a', log);
    writes.cork(a);
    let at = 0;
    writes.afterWrites((now) => {
      at = now;
      done.push(`written with a ${a.corked === 0 ? 'uncorked' : 'corked'}`);
    });
    writes.afterWrites(() => {
      throw new Error('an observer failing');
    });
    writes.afterWrites(() => done.push('next'));
    expect(done).toEqual(['empty']);
    await turn();
    expect(done).toEqual(['empty', 'written with a uncorked', 'next']);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(performance.now());
  });

  it('flush() writes the corked sockets at once; the turn after it finds nothing left to write', async () => {
    const log: string[] = [];
    const writes = new CorkedWrites();
    const a = socket('a', log);
    const done: string[] = [];
    writes.cork(a);
    writes.afterWrites(() => done.push(`written with a ${a.corked === 0 ? 'uncorked' : 'corked'}`));
    writes.flush();
    expect(log).toEqual(['cork a', 'uncork a']);
    expect(done).toEqual(['written with a uncorked']);
    expect(writes.pending).toBe(0);
    // Corked again in the same turn: written by the next flush or turn, never lost or doubled.
    writes.cork(a);
    await turn();
    expect(log).toEqual(['cork a', 'uncork a', 'cork a', 'uncork a']);
    expect(a.corked).toBe(0);
    expect(done).toEqual(['written with a uncorked']);
  });
});
