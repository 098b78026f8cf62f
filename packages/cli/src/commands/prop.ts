/** @module `egiz prop get|set|delete [--desired]`: a feature's properties or desired properties. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { requireValue, type ValueSource } from '../io/value-input.js';
import {
  addConditionOptions,
  addFieldsOption,
  addValueOptions,
  examples,
  featureIdArg,
  pointerArg,
  thingIdArg,
  type RequestFlags,
} from './common.js';
import { deleteResource, getResource, putResource } from './resource.js';

type PropFlags = RequestFlags & { readonly desired?: boolean };

function segments(featureId: string, path: string | undefined, desired: boolean | undefined): string[] {
  return [
    'features',
    featureIdArg(featureId),
    desired ? 'desiredProperties' : 'properties',
    ...pointerArg(path),
  ];
}

function desiredOption(cmd: Command): Command {
  return cmd.option('--desired', 'use the desired properties instead of the reported ones');
}

export function registerPropCommands(program: Command): void {
  const prop = program
    .command('prop')
    .description("read and write a feature's properties (or desired properties)");
  examples(prop, [
    'egiz prop get my.house:lamp-1 lamp on',
    'egiz prop set my.house:lamp-1 lamp on true --desired',
  ]);

  const get = addFieldsOption(
    addConditionOptions(
      desiredOption(
        prop
          .command('get')
          .description('print all properties of a feature, or the one at a path')
          .argument('<thingId>', 'namespace:name')
          .argument('<featureId>', 'the feature')
          .argument('[path]', 'slash-separated path, e.g. color/r'),
      ),
    ),
  ).action(
    async (id: string, featureId: string, path: string | undefined, flags: PropFlags, cmd: Command) => {
      const ref = { thingId: thingIdArg(id), segments: segments(featureId, path, flags.desired) };
      await getResource(contextOf(cmd), ref, flags);
    },
  );
  examples(get, ['egiz prop get my.house:lamp-1 lamp', 'egiz prop get my.house:lamp-1 lamp on --desired']);

  const set = addValueOptions(
    addConditionOptions(
      desiredOption(
        prop
          .command('set')
          .description("set the property at a path ('/' = all properties, which must be an object)")
          .argument('<thingId>', 'namespace:name')
          .argument('<featureId>', 'the feature')
          .argument('<path>', 'slash-separated path, e.g. color/r')
          .argument('[value]', "JSON, or else taken as a string; '-' reads stdin"),
      ),
    ),
  ).action(
    async (
      id: string,
      featureId: string,
      path: string,
      value: string | undefined,
      flags: PropFlags & ValueSource,
      cmd: Command,
    ) => {
      const ref = { thingId: thingIdArg(id), segments: segments(featureId, path, flags.desired) };
      await putResource(contextOf(cmd), ref, await requireValue(value, flags, 'the property value'), flags);
    },
  );
  examples(set, [
    'egiz prop set my.house:lamp-1 lamp on true',
    'egiz prop set my.house:lamp-1 lamp on false --desired',
    `egiz prop set my.house:lamp-1 lamp color '{"r":0,"g":255,"b":0}' --if-match 4`,
  ]);

  const del = addConditionOptions(
    desiredOption(
      prop
        .command('delete')
        .description("delete the property at a path ('/' = all properties)")
        .argument('<thingId>', 'namespace:name')
        .argument('<featureId>', 'the feature')
        .argument('<path>', 'slash-separated path'),
    ),
  ).action(async (id: string, featureId: string, path: string, flags: PropFlags, cmd: Command) => {
    const ref = { thingId: thingIdArg(id), segments: segments(featureId, path, flags.desired) };
    await deleteResource(contextOf(cmd), ref, flags);
  });
  examples(del, [
    'egiz prop delete my.house:lamp-1 lamp color',
    'egiz prop delete my.house:lamp-1 lamp on --desired',
  ]);
}
