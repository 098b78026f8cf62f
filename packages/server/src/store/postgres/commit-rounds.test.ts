/** @module Unit tests of the split of a batch into rounds with each entity at most once. */
import { describe, expect, it } from 'vitest';
import type { EntityKind, Mutation } from '../port.js';
import { commitRounds } from './commit-rounds.js';

const m = (kind: EntityKind, id: string, expectedRevision: number): Mutation => ({
  next: { kind, id, revision: expectedRevision + 1, deleted: false, created: 't', modified: 't', value: {} },
  expectedRevision,
  events: [],
});

const shape = (rounds: ReturnType<typeof commitRounds>) => rounds.map((r) => r.map((x) => x.index));

describe('commitRounds', () => {
  it('keeps a batch of distinct entities in one round, in order', () => {
    expect(shape(commitRounds([m('thing', 'a', 0), m('thing', 'b', 0), m('policy', 'a', 0)]))).toStrictEqual([
      [0, 1, 2],
    ]);
  });

  it("puts an entity's later writes in later rounds, in order", () => {
    const batch = [
      m('thing', 'a', 0),
      m('thing', 'b', 0),
      m('thing', 'a', 1),
      m('thing', 'a', 2),
      m('thing', 'b', 1),
    ];
    expect(shape(commitRounds(batch))).toStrictEqual([[0, 1], [2, 4], [3]]);
  });

  it('is empty for an empty batch', () => {
    expect(commitRounds([])).toStrictEqual([]);
  });
});
