/**
 * @module `egiz search` (RQL search over /api/2/search/things, every page via the server's cursor)
 * and `egiz count` (/api/2/search/things/count, a bare integer).
 */
import type { Command } from 'commander';
import { parseRql, RqlSyntaxError, isJsonObject, isValidNamespace } from '@egiz/core';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import type { Column } from '../io/table.js';
import { MAX_PAGE_SIZE, thingsBySearch } from '../io/thing-source.js';
import { examples } from './common.js';
import { THING_COLUMNS } from './thing.js';

interface SearchFlags {
  readonly filter?: string;
  readonly namespaces?: string;
  readonly sort?: string;
  readonly fields?: string;
  readonly limit?: string;
  readonly pageSize?: string;
}

export function filterArg(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    parseRql(raw);
  } catch (e) {
    if (e instanceof RqlSyntaxError)
      throw new UsageError(
        `--filter is not valid RQL: ${e.message}`,
        `e.g. --filter 'gt(attributes/floor,1)'`,
      );
    throw e;
  }
  return raw;
}

export function namespacesArg(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const ns of list)
    if (!isValidNamespace(ns)) throw new UsageError(`'${ns}' is not a valid namespace`, 'e.g. my.house');
  return list.length > 0 ? list.join(',') : undefined;
}

/** `attributes/x` -> `+attributes/x`; `sort(…)` around the list is accepted too. */
export function sortArg(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const inner = /^sort\((.*)\)$/.exec(raw.trim())?.[1] ?? raw;
  const entries = inner
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0) throw new UsageError('--sort needs at least one property');
  return entries
    .map((e) => {
      const signed = /^[+-]/.test(e) ? e : `+${e}`;
      if (!/^[+-][^\s()+,]+$/.test(signed))
        throw new UsageError(`'${e}' is not a sort property`, 'e.g. --sort -attributes/floor,+thingId');
      return signed;
    })
    .join(',');
}

function positiveInt(
  raw: string | undefined,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${name} must be an integer from 1 to ${max}, got '${raw}'`);
  return n;
}

/** Top-level entries of a field selector (commas inside parentheses do not split). */
function selectorEntries(fields: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of fields) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

function valueAt(row: unknown, path: readonly string[]): unknown {
  let v: unknown = row;
  for (const key of path) v = isJsonObject(v) ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** One column per plain path of --fields (`features/battery/properties/level`), else none. */
export function columnsForFields(fields: string | undefined): Column[] | undefined {
  if (fields === undefined) return undefined;
  const entries = selectorEntries(fields);
  if (entries.some((e) => /[()*]/.test(e))) return undefined;
  return entries.map((e) => {
    const path = e.split('/').filter((s) => s !== '');
    return { header: e, value: (row: unknown) => valueAt(row, path) };
  });
}

export function registerSearchCommands(program: Command): void {
  const search = program
    .command('search')
    .description(
      'find things with an RQL filter; follows the cursor through every page (a table on a terminal, JSON in pipes, -o ndjson streams)',
    )
    .option(
      '--filter <rql>',
      'RQL filter, e.g. \'and(eq(attributes/kind,"vehicle"),lt(features/fuel/properties/level,50))\'',
    )
    .option('--namespaces <list>', 'only these namespaces (comma-separated)')
    .option(
      '--sort <list>',
      'sort by these properties: +asc (default) or -desc, comma-separated, e.g. -_modified',
    )
    .option('--fields <selector>', 'return only these fields, e.g. thingId,attributes/location')
    .option('--limit <n>', 'stop after n things (default: all)')
    .option('--page-size <n>', `things per request, 1-${MAX_PAGE_SIZE} (default ${MAX_PAGE_SIZE})`)
    .action(async (flags: SearchFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const source = thingsBySearch(ctx.client(), {
        filter: filterArg(flags.filter),
        namespaces: namespacesArg(flags.namespaces),
        sort: sortArg(flags.sort),
        fields: flags.fields,
        pageSize: positiveInt(flags.pageSize, '--page-size', MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE,
        limit: positiveInt(flags.limit, '--limit'),
      });
      const format = ctx.output ?? (ctx.stdoutIsTTY ? 'table' : 'json');
      let n = 0;
      if (format === 'ndjson') {
        // Streams: each page is printed as it arrives.
        for await (const thing of source.things()) {
          process.stdout.write(JSON.stringify(thing) + '\n');
          n++;
        }
      } else {
        const things = [];
        for await (const thing of source.things()) things.push(thing);
        n = things.length;
        await ctx.print(things, format, { columns: columnsForFields(flags.fields) ?? THING_COLUMNS });
      }
      if (ctx.stderrIsTTY)
        ctx.note(
          `${n} thing${n === 1 ? '' : 's'} (${source.pages()} page${source.pages() === 1 ? '' : 's'})`,
        );
    });
  examples(search, [
    `egiz search --filter 'eq(attributes/kind,"vehicle")'`,
    `egiz search --namespaces egiz.examples --sort -features/temperature/properties/value --limit 3 --fields thingId,features/temperature/properties/value -o table`,
    `egiz search --filter 'lt(features/battery/properties/level,80)' -o ndjson | jq .thingId`,
  ]);

  const count = program
    .command('count')
    .description('count the things that match a filter (that you may read)')
    .option('--filter <rql>', 'RQL filter')
    .option('--namespaces <list>', 'only these namespaces (comma-separated)')
    .action(async (flags: SearchFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client().request({
        method: 'GET',
        path: '/api/2/search/things/count',
        query: { filter: filterArg(flags.filter), namespaces: namespacesArg(flags.namespaces) },
      });
      await ctx.print(res.body, 'json');
    });
  examples(count, [
    'egiz count',
    `egiz count --namespaces egiz.examples --filter 'eq(attributes/kind,"vehicle")'`,
  ]);
}
