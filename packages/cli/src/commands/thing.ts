/** @module `egiz thing get|list|create|put|patch|delete`: whole Things over /api/2/things. */
import type { Command } from 'commander';
import { isJsonObject, parseEntityId, type JsonObject, type JsonValue } from '@egiz/core';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import type { Column } from '../io/table.js';
import { thingsByIds } from '../io/thing-source.js';
import { readValue, requireObject, requireValue, type ValueSource } from '../io/value-input.js';
import {
  addConditionOptions,
  addFieldsOption,
  addValueOptions,
  examples,
  reportWrite,
  requestHeaders,
  requestQuery,
  thingIdArg,
  thingPath,
  type RequestFlags,
} from './common.js';

type WriteFlags = RequestFlags & ValueSource;

export const THING_COLUMNS: readonly Column[] = [
  { header: 'THING_ID', value: (t) => (t as JsonObject).thingId },
  { header: 'POLICY_ID', value: (t) => (t as JsonObject).policyId },
  { header: 'DEFINITION', value: (t) => (t as JsonObject).definition },
  { header: 'ATTRIBUTES', value: (t) => (t as JsonObject).attributes },
  {
    header: 'FEATURES',
    value: (t) => {
      const f = (t as JsonObject).features;
      return isJsonObject(f) ? Object.keys(f).join(',') : undefined;
    },
  },
];

/** Lists default to a table on a terminal and to JSON in pipes. */
function listFormat(stdoutIsTTY: boolean): 'table' | 'json' {
  return stdoutIsTTY ? 'table' : 'json';
}

function thingBody(value: JsonValue, thingId: string | undefined): JsonObject {
  const body = requireObject(value, 'a thing');
  if (thingId !== undefined && body.thingId !== undefined && body.thingId !== thingId)
    throw new UsageError(
      `the thingId in the value (${JSON.stringify(body.thingId)}) differs from '${thingId}'`,
    );
  return body;
}

export function registerThingCommands(program: Command): void {
  const thing = program
    .command('thing')
    .description('read and write whole things')
    .summary('read and write whole things');
  examples(thing, [
    'egiz thing get my.house:lamp-1',
    `egiz thing put my.house:lamp-1 '{"attributes":{"room":"kitchen"}}'`,
    'egiz thing list my.house:lamp-1 my.house:lamp-2 -o table',
  ]);

  const get = addFieldsOption(
    addConditionOptions(
      thing.command('get').description('print a thing').argument('<thingId>', 'namespace:name'),
    ),
  ).action(async (id: string, flags: RequestFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const res = await ctx.client().request({
      method: 'GET',
      path: thingPath(thingIdArg(id)),
      query: requestQuery(flags),
      headers: requestHeaders(flags),
    });
    await ctx.print(res.body, 'json');
  });
  examples(get, [
    'egiz thing get my.house:lamp-1',
    'egiz thing get my.house:lamp-1 --fields thingId,attributes,_revision -o yaml',
  ]);

  const list = addFieldsOption(
    thing
      .command('list')
      .description(
        'print several things by id (without ids: the first 200 things you may read; `egiz search` finds the rest)',
      )
      .argument('[thingIds...]', 'thing ids (also comma-separated)')
      .option('--ids <ids>', 'comma-separated thing ids'),
  ).action(async (args: string[], flags: { ids?: string; fields?: string }, cmd: Command) => {
    const ctx = contextOf(cmd);
    const ids = [...args, ...(flags.ids ?? '').split(',')]
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(thingIdArg);
    let things: JsonValue[];
    if (ids.length === 0) {
      const res = await ctx
        .client()
        .request({ method: 'GET', path: '/api/2/things', query: { fields: flags.fields } });
      things = Array.isArray(res.body) ? res.body : [];
    } else {
      things = [];
      for await (const t of thingsByIds(ctx.client(), ids, { fields: flags.fields, concurrency: 4 }).things())
        things.push(t);
    }
    await ctx.print(things, listFormat(ctx.stdoutIsTTY), { columns: THING_COLUMNS });
  });
  examples(list, [
    'egiz thing list my.house:lamp-1 my.house:lamp-2',
    'egiz thing list --ids my.house:lamp-1,my.house:lamp-2 --fields thingId,attributes -o ndjson',
    'egiz thing list -o table',
  ]);

  const create = addValueOptions(
    thing
      .command('create')
      .description(
        'create a thing and print it: with an id it fails (exit 5) if the id exists; without one the server generates it',
      )
      .argument('[thingId]', 'namespace:name (omit to let the server generate one)')
      .argument('[value]', "the thing as JSON ('-' for stdin); default {}")
      .option('--namespace <ns>', 'namespace for a generated id'),
  ).action(
    async (
      a: string | undefined,
      b: string | undefined,
      flags: ValueSource & { namespace?: string },
      cmd: Command,
    ) => {
      const ctx = contextOf(cmd);
      // One argument that is not a thing id is the value: `egiz thing create '{"attributes":…}'`.
      let id = a;
      let valueArg = b;
      if (a !== undefined && b === undefined && !parseEntityId(a)) {
        id = undefined;
        valueArg = a;
      }
      const value = (await readValue(valueArg, flags)) ?? {};
      if (id !== undefined) {
        if (flags.namespace !== undefined) throw new UsageError('--namespace is only for generated ids');
        const thingId = thingIdArg(id);
        const res = await ctx.client().request({
          method: 'PUT',
          path: thingPath(thingId),
          headers: { 'if-none-match': '*' },
          body: thingBody(value, thingId),
        });
        await reportWrite(ctx, res, thingId, 'modified', true);
        return;
      }
      const res = await ctx.client().request({
        method: 'POST',
        path: '/api/2/things',
        query: { namespace: flags.namespace },
        body: thingBody(value, undefined),
      });
      await reportWrite(ctx, res, 'a thing', 'modified', true);
    },
  );
  examples(create, [
    `egiz thing create my.house:lamp-1 '{"attributes":{"room":"kitchen"}}'`,
    'egiz thing create --namespace my.house            # generated id, printed in the answer',
    'egiz thing create my.house:lamp-2 --file lamp.json',
  ]);

  const put = addValueOptions(
    addConditionOptions(
      thing
        .command('put')
        .description('create or replace a thing')
        .argument('<thingId>', 'namespace:name')
        .argument('[value]', "the thing as JSON ('-' for stdin)"),
    ),
  ).action(async (id: string, valueArg: string | undefined, flags: WriteFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const thingId = thingIdArg(id);
    const body = thingBody(await requireValue(valueArg, flags, 'the thing'), thingId);
    const res = await ctx.client().request({
      method: 'PUT',
      path: thingPath(thingId),
      query: requestQuery(flags),
      headers: requestHeaders(flags),
      body,
    });
    await reportWrite(ctx, res, thingId);
  });
  examples(put, [
    `egiz thing put my.house:lamp-1 '{"attributes":{"room":"kitchen"},"features":{"lamp":{"properties":{"on":false}}}}'`,
    'egiz thing put my.house:lamp-1 --file lamp.json --if-match 3',
    'cat lamp.json | egiz thing put my.house:lamp-1 -',
  ]);

  const patch = addValueOptions(
    addConditionOptions(
      thing
        .command('patch')
        .description('merge a JSON merge patch (RFC 7396) into a thing; null removes a key')
        .argument('<thingId>', 'namespace:name')
        .argument('[patch]', "the merge patch as JSON ('-' for stdin)"),
    ),
  ).action(async (id: string, valueArg: string | undefined, flags: WriteFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const thingId = thingIdArg(id);
    const body = thingBody(await requireValue(valueArg, flags, 'the merge patch'), thingId);
    const res = await ctx.client().request({
      method: 'PATCH',
      path: thingPath(thingId),
      query: requestQuery(flags),
      headers: requestHeaders(flags),
      body,
    });
    await reportWrite(ctx, res, thingId, 'merged');
  });
  examples(patch, [
    `egiz thing patch my.house:lamp-1 '{"features":{"lamp":{"properties":{"on":true}}}}'`,
    `egiz thing patch my.house:lamp-1 '{"attributes":{"old":null}}' --condition 'exists(attributes/old)'`,
  ]);

  const del = addConditionOptions(
    thing.command('delete').description('delete a thing').argument('<thingId>', 'namespace:name'),
  ).action(async (id: string, flags: RequestFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const thingId = thingIdArg(id);
    const res = await ctx.client().request({
      method: 'DELETE',
      path: thingPath(thingId),
      query: requestQuery(flags),
      headers: requestHeaders(flags),
    });
    await reportWrite(ctx, res, thingId, 'deleted');
  });
  examples(del, ['egiz thing delete my.house:lamp-1', 'egiz thing delete my.house:lamp-1 --if-match 7']);
}
