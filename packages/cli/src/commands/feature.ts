/** @module `egiz feature get|set|delete`: a Thing's features (definition, properties, desired properties). */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { readValue, requireObject, type ValueSource } from '../io/value-input.js';
import {
  addConditionOptions,
  addFieldsOption,
  addValueOptions,
  examples,
  featureIdArg,
  thingIdArg,
  type RequestFlags,
} from './common.js';
import { deleteResource, getResource, putResource } from './resource.js';

function featureSegments(featureId: string | undefined): string[] {
  if (featureId === undefined) return ['features'];
  return ['features', featureIdArg(featureId)];
}

export function registerFeatureCommands(program: Command): void {
  const feature = program.command('feature').description("read and write a thing's features");
  examples(feature, [
    'egiz feature get my.house:lamp-1 lamp',
    `egiz feature set my.house:lamp-1 lamp '{"properties":{"on":true}}'`,
  ]);

  const get = addFieldsOption(
    addConditionOptions(
      feature
        .command('get')
        .description('print all features, or one')
        .argument('<thingId>', 'namespace:name')
        .argument('[featureId]', 'the feature'),
    ),
  ).action(async (id: string, featureId: string | undefined, flags: RequestFlags, cmd: Command) => {
    await getResource(
      contextOf(cmd),
      { thingId: thingIdArg(id), segments: featureSegments(featureId) },
      flags,
    );
  });
  examples(get, [
    'egiz feature get my.house:lamp-1',
    'egiz feature get my.house:lamp-1 lamp --fields properties',
  ]);

  const set = addValueOptions(
    addConditionOptions(
      feature
        .command('set')
        .description('create or replace a feature (default: an empty feature {})')
        .argument('<thingId>', 'namespace:name')
        .argument('<featureId>', 'the feature')
        .argument('[value]', `the feature as JSON, e.g. '{"properties":{"on":true}}'; '-' reads stdin`),
    ),
  ).action(
    async (
      id: string,
      featureId: string,
      value: string | undefined,
      flags: RequestFlags & ValueSource,
      cmd: Command,
    ) => {
      const ref = { thingId: thingIdArg(id), segments: featureSegments(featureId) };
      const body = requireObject((await readValue(value, flags)) ?? {}, 'a feature');
      await putResource(contextOf(cmd), ref, body, flags);
    },
  );
  examples(set, [
    `egiz feature set my.house:lamp-1 lamp '{"properties":{"on":false},"desiredProperties":{"on":true}}'`,
    'egiz feature set my.house:lamp-1 power --file power.json',
  ]);

  const del = addConditionOptions(
    feature
      .command('delete')
      .description('delete a feature')
      .argument('<thingId>', 'namespace:name')
      .argument('<featureId>', 'the feature'),
  ).action(async (id: string, featureId: string, flags: RequestFlags, cmd: Command) => {
    await deleteResource(
      contextOf(cmd),
      { thingId: thingIdArg(id), segments: featureSegments(featureId) },
      flags,
    );
  });
  examples(del, ['egiz feature delete my.house:lamp-1 lamp']);
}
