/** @module The commands the things domain decides on, as every edge produces them. */
import type { JsonValue, Pointer, RqlNode, ThingResource } from '@egiz/core';

export const THING_COMMAND_TYPES = ['retrieve', 'create', 'modify', 'merge', 'delete'] as const;
export type ThingCommandType = (typeof THING_COMMAND_TYPES)[number];

export interface MetadataEntry {
  readonly key: string;
  readonly value: JsonValue;
}

export interface CommandOptions {
  readonly ifMatch?: '*' | readonly string[];
  readonly ifNoneMatch?: '*' | readonly string[];
  readonly ifEqual?: 'update' | 'skip' | 'skip-minimizing-merge';
  readonly condition?: RqlNode;
  readonly fields?: readonly Pointer[];
  readonly putMetadata?: readonly MetadataEntry[];
  readonly getMetadata?: readonly string[];
  readonly deleteMetadata?: readonly string[];
  /** Creating a Thing with an inline `_policy` that does not give the creator WRITE on policy:/. */
  readonly allowPolicyLockout?: boolean;
}

export interface ThingCommand {
  readonly type: ThingCommandType;
  readonly thingId: string;
  readonly resource: ThingResource;
  /** The body of create / modify / merge. */
  readonly value?: JsonValue;
  readonly options: CommandOptions;
}
