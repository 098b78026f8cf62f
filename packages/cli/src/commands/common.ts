/**
 * @module Pieces shared by the command families: argument checks (thing ids, pointers), the
 * conditional-request options (--if-match, --condition, --fields), value options and help examples.
 */
import { Option, type Command } from 'commander';
import { parseEntityId, parsePointer, parseRql, RqlSyntaxError, type Pointer } from '@egiz/core';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { ApiResponse } from '../http/client.js';

export function thingIdArg(raw: string): string {
  if (!parseEntityId(raw))
    throw new UsageError(
      `'${raw}' is not a valid thing id`,
      'a thing id is <namespace>:<name>, e.g. my.house:lamp-1',
    );
  return raw;
}

export function pointerArg(raw: string | undefined, what = 'path'): Pointer {
  if (raw === undefined) return [];
  const p = parsePointer(raw);
  if (!p)
    throw new UsageError(`'${raw}' is not a valid ${what}`, 'use slash-separated keys, e.g. location/floor');
  return p;
}

/** /api/2/things/<id>/<segments…>, each part URL-encoded. */
export function thingPath(thingId: string, ...segments: readonly string[]): string {
  return ['/api/2/things', thingId, ...segments]
    .map((s, i) => (i === 0 ? s : encodeURIComponent(s)))
    .join('/');
}

export interface RequestFlags {
  readonly ifMatch?: string;
  readonly condition?: string;
  readonly fields?: string;
}

/** `3`, `rev:3` and `"rev:3"` all mean the ETag `"rev:3"`; `*` stays; lists are comma-separated. */
export function normalizeEtags(raw: string): string {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (s === '*' || s.startsWith('"') || s.startsWith('W/')) return s;
      if (/^\d+$/.test(s)) return `"rev:${s}"`;
      return `"${s}"`;
    })
    .join(',');
}

export function checkCondition(condition: string | undefined): void {
  if (condition === undefined) return;
  try {
    parseRql(condition);
  } catch (e) {
    if (e instanceof RqlSyntaxError)
      throw new UsageError(
        `--condition is not valid RQL: ${e.message}`,
        `e.g. --condition 'gt(attributes/counter,3)'`,
      );
    throw e;
  }
}

export function requestHeaders(flags: RequestFlags): Record<string, string | undefined> {
  return { 'if-match': flags.ifMatch !== undefined ? normalizeEtags(flags.ifMatch) : undefined };
}

export function requestQuery(flags: RequestFlags): Record<string, string | undefined> {
  checkCondition(flags.condition);
  return { condition: flags.condition, fields: flags.fields };
}

export function addConditionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--if-match <etag>',
      'only if the current ETag matches: as sent by the server (see -v), * for "exists", or a number N for the thing revision "rev:N"',
    )
    .option('--condition <rql>', "only if the thing matches this RQL filter, e.g. 'eq(attributes/on,true)'");
}

export function addFieldsOption(cmd: Command): Command {
  return cmd.option(
    '--fields <selector>',
    'return only these fields, e.g. thingId,attributes(location),_revision',
  );
}

export function addValueOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <path>', "read the value from a file ('-' for stdin)")
    .addOption(new Option('--string', 'take the value as a string even if it looks like JSON'));
}

/** Adds an "Examples:" block to the command's --help. */
export function examples(cmd: Command, lines: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/**
 * After a write: a note for a human at a terminal; with `printCreated`, a 201's body (the created
 * thing, e.g. with its generated id) goes to stdout. Other writes print nothing on stdout, so that
 * their output does not depend on whether the target existed.
 */
export async function reportWrite(
  ctx: Context,
  res: ApiResponse,
  what: string,
  verb = 'modified',
  printCreated = false,
): Promise<void> {
  const etag = res.headers.get('etag') ?? '';
  const rev = /rev:(\d+)/.exec(etag)?.[1];
  const suffix = rev !== undefined ? ` (revision ${rev})` : '';
  if (res.status === 201) {
    ctx.note(`created ${what}${suffix}`);
    if (printCreated && res.body !== undefined) await ctx.print(res.body, 'json');
  } else ctx.note(`${res.status === 202 ? 'accepted' : verb} ${what}${suffix}`);
}

export function featureIdArg(raw: string): string {
  if (raw === '' || raw.includes('/'))
    throw new UsageError(`'${raw}' is not a valid feature id`, 'a feature id is one key, e.g. lamp');
  return raw;
}
