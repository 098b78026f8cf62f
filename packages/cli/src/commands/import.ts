/**
 * @module `egiz import`: NDJSON things (one per line, each with its thingId) from a file or stdin,
 * each written with PUT so that running an import twice gives the same result. Bounded
 * concurrency, a progress bar on a terminal, a summary of failures; without --continue-on-error the
 * first failure stops the import and sets the exit code.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isJsonObject, parseEntityId, type JsonObject } from '@egiz/core';
import { contextOf } from '../context.js';
import { ApiError, CliError, UsageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { countLines, readLines, type NumberedLine } from '../io/lines.js';
import { ProgressBar } from '../io/progress.js';
import { forEachBounded } from '../util/pool.js';
import { concurrencyArg } from './export.js';
import { examples, thingPath } from './common.js';

interface ImportFlags {
  readonly continueOnError?: boolean;
  readonly concurrency: string;
  readonly failedOut?: string;
}

interface Failure {
  readonly line: number;
  readonly thingId: string | undefined;
  readonly error: string;
  readonly message: string;
  readonly exitCode: ExitCode;
  readonly text: string;
}

type Parsed = { readonly thing: JsonObject; readonly thingId: string } | { readonly problem: string };

function parseLine(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not valid JSON' };
  }
  if (!isJsonObject(value)) return { problem: 'not a JSON object' };
  const thingId = value.thingId;
  if (typeof thingId !== 'string') return { problem: 'no thingId' };
  if (!parseEntityId(thingId)) return { problem: `'${thingId}' is not a valid thing id` };
  return { thing: value, thingId };
}

function summarize(failures: readonly Failure[]): string {
  const sorted = [...failures].sort((a, b) => a.line - b.line);
  const lines = sorted
    .slice(0, 20)
    .map((f) => `  line ${f.line}${f.thingId ? ` ${f.thingId}` : ''}: ${f.error}: ${f.message}`);
  if (sorted.length > 20) lines.push(`  … and ${sorted.length - 20} more (keep them all with --failed-out)`);
  return lines.join('\n');
}

export function registerImportCommand(program: Command): void {
  const cmd = program
    .command('import')
    .description('create or replace things from NDJSON (one thing per line, with thingId); safe to re-run')
    .argument('[file]', "NDJSON file; '-' or nothing reads stdin")
    .option('--continue-on-error', 'keep going after a failed line (exit 0, failures listed on stderr)')
    .option('--failed-out <path>', 'write the lines that failed to this file, to retry them later')
    .option('--concurrency <n>', 'requests in flight', '16')
    .action(async (file: string | undefined, flags: ImportFlags, command: Command) => {
      const ctx = contextOf(command);
      const concurrency = concurrencyArg(flags.concurrency);
      if (file === undefined && process.stdin.isTTY)
        throw new UsageError(
          'give an NDJSON file, or pipe NDJSON into stdin',
          'e.g. egiz import things.ndjson',
        );
      const client = ctx.client();
      if (flags.failedOut !== undefined) writeFileSync(flags.failedOut, '');
      const total = ctx.stderrIsTTY ? await countLines(file) : undefined;
      const progress =
        ctx.stderrIsTTY && !ctx.options.quiet ? new ProgressBar(process.stderr, 'import') : undefined;
      const failures: Failure[] = [];
      let created = 0;
      let modified = 0;
      let stopped = false;
      const started = Date.now();

      const fail = (line: NumberedLine, f: Omit<Failure, 'line' | 'text'>) => {
        failures.push({ ...f, line: line.number, text: line.text });
        if (flags.failedOut !== undefined) appendFileSync(flags.failedOut, line.text + '\n');
        if (!flags.continueOnError) stopped = true;
      };

      const importLine = async (line: NumberedLine): Promise<void> => {
        const parsed = parseLine(line.text);
        if ('problem' in parsed) {
          fail(line, {
            thingId: undefined,
            error: 'import:line.invalid',
            message: parsed.problem,
            exitCode: EXIT.client,
          });
        } else {
          try {
            const res = await client.request({
              method: 'PUT',
              path: thingPath(parsed.thingId),
              body: parsed.thing,
            });
            if (res.status === 201) created++;
            else modified++;
          } catch (e) {
            if (!(e instanceof CliError)) throw e;
            fail(line, {
              thingId: parsed.thingId,
              error: e instanceof ApiError ? `${e.error} (HTTP ${e.status})` : 'network',
              message: e.message,
              exitCode: e.exitCode,
            });
          }
        }
        progress?.update({ done: created + modified + failures.length, failed: failures.length, total });
      };

      try {
        await forEachBounded(readLines(file), concurrency, importLine, () => stopped);
      } finally {
        progress?.clear();
      }

      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const done = created + modified;
      ctx.diagnostic(
        `imported ${done} thing${done === 1 ? '' : 's'} (${created} created, ${modified} replaced) in ${seconds} s` +
          (failures.length > 0 ? `; ${failures.length} failed:` : ''),
      );
      if (failures.length > 0) {
        ctx.diagnostic(summarize(failures));
        if (stopped) {
          const first = [...failures].sort((a, b) => a.line - b.line)[0] as Failure;
          throw new CliError(
            'import stopped at the first failure',
            first.exitCode,
            're-run with --continue-on-error to import the other lines',
          );
        }
      }
    });
  examples(cmd, [
    'egiz import things.ndjson',
    'egiz export --ids-file ids.txt | egiz --profile staging import -',
    'egiz import big.ndjson --continue-on-error --failed-out failed.ndjson',
  ]);
}
