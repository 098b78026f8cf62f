/** @module `egiz attr get|set|delete`: a Thing's attributes, whole or at a path. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { requireValue, type ValueSource } from '../io/value-input.js';
import {
  addConditionOptions,
  addFieldsOption,
  addValueOptions,
  examples,
  pointerArg,
  thingIdArg,
  type RequestFlags,
} from './common.js';
import { deleteResource, getResource, putResource } from './resource.js';

function segments(path: string | undefined): string[] {
  return ['attributes', ...pointerArg(path)];
}

export function registerAttrCommands(program: Command): void {
  const attr = program.command('attr').description("read and write a thing's attributes");
  examples(attr, [
    'egiz attr get my.house:lamp-1 location/floor',
    'egiz attr set my.house:lamp-1 location/floor 2',
  ]);

  const get = addFieldsOption(
    addConditionOptions(
      attr
        .command('get')
        .description('print all attributes, or the one at a path')
        .argument('<thingId>', 'namespace:name')
        .argument('[path]', 'slash-separated path, e.g. location/floor'),
    ),
  ).action(async (id: string, path: string | undefined, flags: RequestFlags, cmd: Command) => {
    await getResource(contextOf(cmd), { thingId: thingIdArg(id), segments: segments(path) }, flags);
  });
  examples(get, ['egiz attr get my.house:lamp-1', 'egiz attr get my.house:lamp-1 location/room -o yaml']);

  const set = addValueOptions(
    addConditionOptions(
      attr
        .command('set')
        .description("set the attribute at a path ('/' = all attributes, which must be an object)")
        .argument('<thingId>', 'namespace:name')
        .argument('<path>', 'slash-separated path, e.g. location/floor')
        .argument('[value]', "JSON, or else taken as a string; '-' reads stdin"),
    ),
  ).action(
    async (
      id: string,
      path: string,
      value: string | undefined,
      flags: RequestFlags & ValueSource,
      cmd: Command,
    ) => {
      const ref = { thingId: thingIdArg(id), segments: segments(path) };
      await putResource(contextOf(cmd), ref, await requireValue(value, flags, 'the attribute value'), flags);
    },
  );
  examples(set, [
    'egiz attr set my.house:lamp-1 location/floor 2',
    'egiz attr set my.house:lamp-1 location/room kitchen          # a string',
    `egiz attr set my.house:lamp-1 / '{"room":"hall"}'              # all attributes`,
    'egiz attr set my.house:lamp-1 serial 42 --string             # the string "42"',
  ]);

  const del = addConditionOptions(
    attr
      .command('delete')
      .description("delete the attribute at a path ('/' = all attributes)")
      .argument('<thingId>', 'namespace:name')
      .argument('<path>', 'slash-separated path'),
  ).action(async (id: string, path: string, flags: RequestFlags, cmd: Command) => {
    await deleteResource(contextOf(cmd), { thingId: thingIdArg(id), segments: segments(path) }, flags);
  });
  examples(del, ['egiz attr delete my.house:lamp-1 location/floor']);
}
