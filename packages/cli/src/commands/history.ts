/**
 * @module `egiz history <id> --at-revision N | --at-time ISO` (a Thing as it was, read with
 * Ditto's at-historical-revision / at-historical-timestamp) and `egiz history diff <id> <a> <b>`.
 */
import type { Command } from 'commander';
import type { JsonValue } from '@egiz/core';
import { contextOf, type Context } from '../context.js';
import { UsageError } from '../errors.js';
import { diffJson, renderDiff, type JsonChange } from '../util/json-diff.js';
import { addFieldsOption, examples, thingIdArg, thingPath } from './common.js';

/** A point in a Thing's history: a revision, a time, or now. */
type Moment = { readonly revision: number } | { readonly time: string } | { readonly current: true };

function revisionArg(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`'${raw}' is not a revision`, 'revisions are positive integers');
  return Number(raw);
}

function timeArg(raw: string): string {
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new UsageError(`'${raw}' is not an ISO-8601 time`, 'e.g. 2026-05-01T12:00:00Z');
  return new Date(t).toISOString();
}

/** `7` (revision), `current` / `latest`, or an ISO time. */
function momentArg(raw: string): Moment {
  if (raw === 'current' || raw === 'latest') return { current: true };
  if (/^\d+$/.test(raw)) return { revision: revisionArg(raw) };
  return { time: timeArg(raw) };
}

async function thingAt(
  ctx: Context,
  thingId: string,
  at: Moment,
  fields: string | undefined,
): Promise<JsonValue> {
  const headers =
    'revision' in at
      ? { 'at-historical-revision': String(at.revision) }
      : 'time' in at
        ? { 'at-historical-timestamp': at.time }
        : {};
  const res = await ctx
    .client()
    .request({ method: 'GET', path: thingPath(thingId), query: { fields }, headers });
  return res.body ?? null;
}

export function registerHistoryCommands(program: Command): void {
  const history = addFieldsOption(
    program
      .command('history')
      .description('print a thing as it was at a revision or a time; `history diff` compares two revisions')
      .argument('<thingId>', 'namespace:name')
      .option('--at-revision <n>', 'the revision to read')
      .option('--at-time <iso>', 'the time to read (ISO-8601), e.g. 2026-05-01T12:00:00Z'),
  ).action(
    async (id: string, flags: { atRevision?: string; atTime?: string; fields?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const thingId = thingIdArg(id);
      if ((flags.atRevision === undefined) === (flags.atTime === undefined))
        throw new UsageError('give exactly one of --at-revision or --at-time');
      const at: Moment =
        flags.atRevision !== undefined
          ? { revision: revisionArg(flags.atRevision) }
          : { time: timeArg(flags.atTime as string) };
      await ctx.print(await thingAt(ctx, thingId, at, flags.fields), 'json');
    },
  );
  examples(history, [
    'egiz history my.house:lamp-1 --at-revision 3',
    'egiz history my.house:lamp-1 --at-time 2026-05-01T12:00:00Z --fields attributes',
    'egiz history diff my.house:lamp-1 3 current',
  ]);

  const diff = addFieldsOption(
    history
      .command('diff')
      .description(
        'show what changed between two revisions (or ISO times, or `current`): + added, - removed, ~ changed',
      )
      .argument('<thingId>', 'namespace:name')
      .argument('<from>', 'revision, ISO time or current')
      .argument('<to>', 'revision, ISO time or current'),
  ).action(async (id: string, from: string, to: string, flags: { fields?: string }, cmd: Command) => {
    const ctx = contextOf(cmd);
    const thingId = thingIdArg(id);
    const [a, b] = await Promise.all([
      thingAt(ctx, thingId, momentArg(from), flags.fields),
      thingAt(ctx, thingId, momentArg(to), flags.fields),
    ]);
    const changes = diffJson(a, b);
    await ctx.print(changes, 'table', {
      table: (v) => renderDiff(v as JsonChange[], { color: ctx.color }),
    });
  });
  examples(diff, [
    'egiz history diff my.house:lamp-1 1 2',
    'egiz history diff my.house:lamp-1 5 current -o json',
    'egiz history diff my.house:lamp-1 2026-05-01T00:00:00Z 2026-05-02T00:00:00Z',
  ]);
}
