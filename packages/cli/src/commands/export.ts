/**
 * @module `egiz export`: things as NDJSON (one Thing per line) to stdout or --out. The things come
 * from a list of ids (--ids / --ids-file) or a search (--filter / --namespaces / --all), whose ids
 * are then read like a list, so that --with-policy works the same for both.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { isJsonObject, parseEntityId } from '@egiz/core';
import { contextOf } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readLines } from '../io/lines.js';
import { ProgressBar } from '../io/progress.js';
import { thingsByIds, thingsBySearch } from '../io/thing-source.js';
import { addFieldsOption, examples, thingIdArg } from './common.js';
import { filterArg, namespacesArg } from './search.js';

/** The fields of an export that can be re-imported, with the inline policy for a fresh server. */
const WITH_POLICY_FIELDS = 'thingId,policyId,definition,attributes,features,_policy';

interface ExportFlags {
  readonly ids?: string;
  readonly idsFile?: string;
  readonly out?: string;
  readonly fields?: string;
  readonly withPolicy?: boolean;
  readonly concurrency: string;
  readonly filter?: string;
  readonly namespaces?: string;
  readonly all?: boolean;
}

/** An id per line; `#` comments and blank lines are skipped; an NDJSON line gives its thingId. */
async function idsFromFile(path: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const { number, text } of readLines(path)) {
    const line = text.trim();
    if (line.startsWith('#')) continue;
    let id = line;
    if (line.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const thingId = isJsonObject(parsed) ? parsed.thingId : undefined;
      if (typeof thingId !== 'string') throw new UsageError(`${path}:${number}: no thingId on this line`);
      id = thingId;
    }
    if (!parseEntityId(id)) throw new UsageError(`${path}:${number}: '${id}' is not a valid thing id`);
    ids.push(id);
  }
  return ids;
}

export function concurrencyArg(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new UsageError(`--concurrency must be an integer from 1 to 256, got '${raw}'`);
  return n;
}

export function registerExportCommand(program: Command): void {
  const cmd = addFieldsOption(
    program
      .command('export')
      .description('write things as NDJSON (one thing per line), e.g. for `egiz import`')
      .option('--ids <ids>', 'comma-separated thing ids')
      .option(
        '--ids-file <path>',
        "a file with one thing id per line (or NDJSON with thingId); '-' for stdin",
      )
      .option('--filter <rql>', 'the things that match this RQL filter')
      .option('--namespaces <list>', 'the things in these namespaces (comma-separated)')
      .option('--all', 'every thing you may read')
      .option('--out <path>', 'write to this file instead of stdout')
      .option('--with-policy', 'include each inline policy (_policy) so that an import can recreate it')
      .option('--concurrency <n>', 'requests in flight', '16'),
  ).action(async (flags: ExportFlags, command: Command) => {
    const ctx = contextOf(command);
    if (ctx.output !== undefined && ctx.output !== 'ndjson')
      throw new UsageError('export writes NDJSON only (-o ndjson)');
    const concurrency = concurrencyArg(flags.concurrency);
    if (flags.fields !== undefined && flags.withPolicy)
      throw new UsageError('give either --fields or --with-policy');
    const ids = (flags.ids ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(thingIdArg);
    if (flags.idsFile !== undefined) ids.push(...(await idsFromFile(flags.idsFile)));
    const bySearch = flags.filter !== undefined || flags.namespaces !== undefined || flags.all === true;
    if (flags.ids === undefined && flags.idsFile === undefined && !bySearch)
      throw new UsageError(
        'tell export which things to write: --ids or --ids-file, --filter and/or --namespaces, or --all',
      );
    if (bySearch && (flags.ids !== undefined || flags.idsFile !== undefined))
      throw new UsageError('give either ids (--ids, --ids-file) or a search (--filter, --namespaces, --all)');
    if (bySearch) {
      const search = thingsBySearch(ctx.client(), {
        filter: filterArg(flags.filter),
        namespaces: namespacesArg(flags.namespaces),
        fields: 'thingId',
        pageSize: 200,
      });
      for await (const t of search.things()) if (typeof t.thingId === 'string') ids.push(t.thingId);
    }
    const fields = flags.withPolicy ? WITH_POLICY_FIELDS : flags.fields;
    const source = thingsByIds(ctx.client(), ids, { fields, concurrency });

    const out = flags.out !== undefined ? createWriteStream(flags.out) : process.stdout;
    const progress =
      ctx.stderrIsTTY && !ctx.options.quiet && flags.out !== undefined
        ? new ProgressBar(process.stderr, 'export')
        : undefined;
    const total = new Set(ids).size;
    let written = 0;
    try {
      for await (const thing of source.things()) {
        if (!out.write(JSON.stringify(thing) + '\n')) await once(out, 'drain');
        written++;
        progress?.update({ done: written, failed: 0, total });
      }
    } finally {
      progress?.clear();
      if (out !== process.stdout) {
        out.end();
        await once(out, 'close');
      }
    }
    const missing = source.missing();
    ctx.diagnostic(
      `exported ${written} thing${written === 1 ? '' : 's'}${flags.out ? ` to ${flags.out}` : ''}`,
    );
    if (missing.length > 0) {
      const shown = missing.slice(0, 20).map((id) => `  ${id}`);
      if (missing.length > 20) shown.push(`  … and ${missing.length - 20} more`);
      throw new CliError(
        `${missing.length} thing${missing.length === 1 ? '' : 's'} not found or not readable:\n${shown.join('\n')}`,
        EXIT.notFound,
      );
    }
  });
  examples(cmd, [
    'egiz export --ids my.house:lamp-1,my.house:lamp-2 > things.ndjson',
    'egiz export --ids-file ids.txt --out things.ndjson --with-policy',
    'egiz export --ids-file things.ndjson --fields thingId,attributes',
    'egiz export --namespaces egiz.examples --with-policy --out examples.ndjson',
    `egiz export --filter 'eq(attributes/kind,"vehicle")' > vans.ndjson`,
    'egiz export --all > everything.ndjson',
  ]);
}
