/**
 * @module Splits a batch into rounds in which every entity appears at most once. One SQL statement
 * cannot update the same row twice (all its parts see one snapshot), yet a batch may carry several
 * successive writes of one twin; round k holds each entity's k-th write, so they apply in order.
 */
import type { Mutation } from '../port.js';

export interface IndexedMutation {
  /** Position in the committed batch, which is what conflicts are reported by. */
  readonly index: number;
  readonly mutation: Mutation;
}

export function commitRounds(mutations: readonly Mutation[]): IndexedMutation[][] {
  const rounds: IndexedMutation[][] = [];
  const seen = new Map<string, number>();
  mutations.forEach((mutation, index) => {
    const key = `${mutation.next.kind}\u0000${mutation.next.id}`;
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (rounds[round] ??= []).push({ index, mutation });
  });
  return rounds;
}
