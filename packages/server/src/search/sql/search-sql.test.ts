/** @module Unit tests of whole page queries: the LIMIT of each dialect. */
import { describe, expect, it } from 'vitest';
import { parseRql } from '@egiz/core';
import { searchDialect } from './dialects.js';
import { countQuery, pageQuery, type PageSpec } from './search-sql.js';
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

describe('queries answered from the field index (reader sets)', () => {
  const sqlite = searchDialect('sqlite');
  const withSets = (filter: string, sets: number[] = [3, 7]): PageSpec => ({
    ...spec(26),
    filter: parseRql(filter),
    sets,
  });

  it('counts an equality in the field index alone, any other single condition by distinct Things', () => {
    const eq = countQuery(sqlite, withSets('eq(attributes/model,"m-1")'));
    expect(eq.sql).toMatch(
      /^SELECT count\(\*\) AS n FROM thing_fields f WHERE .* AND f\.rs IN \(@p\d+, @p\d+\)$/,
    );
    expect(eq.params).toEqual(expect.arrayContaining([3, 7, 'm-1']));
    expect(countQuery(sqlite, withSets('gt(attributes/n,1)')).sql).toMatch(
      /^SELECT count\(DISTINCT f\.tid\)/,
    );
    expect(countQuery(sqlite, withSets('eq(features/*/properties/x,1)')).sql).toMatch(
      /count\(DISTINCT f\.tid\)/,
    );
  });

  it('pages an equality in thingId order straight from the index, continuing after the cursor position', () => {
    const first = pageQuery(sqlite, withSets('eq(attributes/model,"m-1")'));
    expect(first.sql).toMatch(
      /FROM \(SELECT f\.tid AS tid, f\.id AS id FROM thing_fields f WHERE .* ORDER BY f\.id LIMIT 26\) x JOIN things t ON t\.tid = x\.tid ORDER BY x\.id ASC$/,
    );
    const next = pageQuery(sqlite, { ...withSets('eq(attributes/model,"m-1")'), after: ['n:x'] });
    expect(next.sql).toContain('AND f.id > @p');
    expect(next.params).toContain('n:x');
  });

  it('leaves everything else to the general query, with the set test on the Thing row', () => {
    for (const filter of [
      'and(eq(attributes/a,1),eq(attributes/b,2))',
      'ne(attributes/a,1)',
      'eq(thingId,"n:x")',
      'eq(attributes/a,null)',
    ]) {
      const q = pageQuery(sqlite, withSets(filter));
      expect(q.sql, filter).toMatch(/^SELECT .* FROM things t WHERE .*t\.rs IN \(/);
      expect(q.sql, filter).not.toContain('FROM policy_readers');
    }
    const sorted = pageQuery(sqlite, {
      ...withSets('eq(attributes/model,"m-1")'),
      sort: withTieBreaker([
        {
          property: 'attributes/n',
          direction: 'desc',
          source: { kind: 'json', json: 'value', segments: ['attributes', 'n'] },
        },
      ]),
    });
    expect(sorted.sql).toMatch(/^SELECT .* FROM things t WHERE /);
  });

  it('an empty list of sets matches nothing; without sets visibility comes from reader rows', () => {
    expect(countQuery(sqlite, withSets('eq(attributes/a,1)', [])).sql).toMatch(/ AND FALSE$/);
    expect(countQuery(sqlite, { ...spec(1), filter: parseRql('eq(attributes/a,1)') }).sql).toContain(
      'FROM policy_readers',
    );
  });
});
