/** @module Unit tests of the RQL -> SQL compiler: every node kind compiles in both dialects, values only as parameters. */
import { describe, expect, it } from 'vitest';
import { RQL_NODE_KINDS, parseRql } from '@egiz/core';
import { compileFilter } from './filter-compiler.js';
import { searchDialect } from './dialects.js';
import { SqlBuilder } from './sql-builder.js';

const SAMPLES: Record<(typeof RQL_NODE_KINDS)[number], string> = {
  and: 'and(eq(attributes/a,1),eq(attributes/b,"x"))',
  or: 'or(eq(attributes/a,1),eq(thingId,"n:x"))',
  not: 'not(exists(features/*/properties/p))',
  eq: 'eq(attributes/a,null)',
  ne: 'ne(policyId,"n:p")',
  gt: 'gt(_revision,3)',
  ge: 'ge(_modified,time:now-1h)',
  lt: 'lt(attributes/a,true)',
  le: 'le(_created,"2024")',
  like: 'like(attributes/a,"x*y?")',
  ilike: 'ilike(thingId,"N:*")',
  in: 'in(attributes/a,1,"1",true,null)',
  exists: 'exists(_metadata/attributes)',
  empty: 'empty(attributes/a)',
};

describe('compileFilter', () => {
  for (const name of ['sqlite', 'postgres'] as const) {
    it(`compiles every node kind for ${name}, with one parameter per placeholder`, () => {
      const dialect = searchDialect(name);
      for (const kind of RQL_NODE_KINDS) {
        const b = new SqlBuilder(dialect);
        const sql = compileFilter(parseRql(SAMPLES[kind]), { b, now: new Date(0) });
        const placeholders = name === 'sqlite' ? sql.match(/@p\d+/g) : sql.match(/\$\d+/g);
        expect(new Set(placeholders).size, `${kind}: ${sql}`).toBe(b.params.length);
        expect(sql).not.toMatch(/'x|"x|n:x|2024/);
      }
    });
  }

  it('reads a placeholder that cannot be resolved as matching nothing', () => {
    const b = new SqlBuilder(searchDialect('sqlite'));
    expect(compileFilter(parseRql('ne(attributes/a,time:now+999999999999y)'), { b, now: new Date(0) })).toBe(
      'FALSE',
    );
  });
});
