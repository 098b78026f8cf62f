/** @module Unit tests of whole page queries: the LIMIT of each dialect. */
import { describe, expect, it } from 'vitest';
import { parseRql } from '@egiz/core';
import { searchDialect } from './dialects.js';
import { pageQuery, type PageSpec } from './search-sql.js';
import { withTieBreaker } from './sort-keys.js';

const spec = (limit: number): PageSpec => ({
  filter: parseRql('eq(attributes/serial,7)'),
  namespaces: undefined,
  subjects: ['nginx:alice'],
  visibility: 'full',
  revokes: false,
  now: new Date('2026-01-01T00:00:00Z'),
  sort: withTieBreaker([]),
  after: undefined,
  limit,
});

describe('pageQuery LIMIT', () => {
  it('is a literal on SQLite, whose planner bounds the sorter only for a known LIMIT', () => {
    const q = pageQuery(searchDialect('sqlite'), spec(26));
    expect(q.sql).toMatch(/ LIMIT 26$/);
    expect(q.params).not.toContain(26);
  });

  it('is a parameter on PostgreSQL, where one prepared statement serves every page size', () => {
    const q = pageQuery(searchDialect('postgres'), spec(26));
    expect(q.sql).toMatch(/ LIMIT \$\d+::int4$/);
    expect(q.params).toContain(26);
  });

  it('refuses anything but a non-negative integer on SQLite', () => {
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => pageQuery(searchDialect('sqlite'), spec(bad))).toThrow(RangeError);
  });
});
