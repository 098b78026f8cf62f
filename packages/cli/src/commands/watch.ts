/**
 * @module `egiz watch`: change events as NDJSON on stdout, read from the server's Server-Sent Events
 * stream (`GET /api/2/things`, Accept: text/event-stream) with ids / namespaces / filter / fields /
 * extraFields chosen on the server. Ctrl-C (SIGINT) ends it with exit 0; `--count n` after n events.
 */
import type { Command } from 'commander';
import { isJsonObject, type JsonObject, type JsonValue } from '@egiz/core';
import { contextOf } from '../context.js';
import { ApiError, NetworkError, UsageError } from '../errors.js';
import { readSse } from '../io/sse.js';
import { stopOnSignals } from '../io/stop-signal.js';
import { examples, thingIdArg } from './common.js';
import { filterArg, namespacesArg } from './search.js';

interface WatchFlags {
  readonly thing?: string[];
  readonly filter?: string;
  readonly namespaces?: string;
  readonly fields?: string;
  readonly extraFields?: string;
  readonly count?: string;
}

/** What watch asks for when it prints its own event records. */
const RECORD_FIELDS = 'thingId,_revision,_modified,_context';

/**
 * One event as a flat record: `{thingId, action, path, value?, revision, timestamp, extra?}`, from
 * the partial Thing the server streams with `_context` (the Ditto Protocol topic, path and value).
 */
export function eventRecord(data: JsonObject): JsonObject {
  const { thingId, _revision, _modified, _context, ...rest } = data;
  const context = isJsonObject(_context) ? _context : {};
  const topic = typeof context.topic === 'string' ? context.topic : '';
  const record: JsonObject = {
    thingId: thingId ?? null,
    action: topic.split('/').pop() ?? '',
    path: context.path ?? '/',
  };
  if (context.value !== undefined) record.value = context.value;
  if (_revision !== undefined) record.revision = _revision;
  if (_modified !== undefined) record.timestamp = _modified;
  if (Object.keys(rest).length > 0) record.extra = rest;
  return record;
}

function countArg(raw: string | undefined): number {
  if (raw === undefined) return Infinity;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--count must be a positive integer, got '${raw}'`);
  return n;
}

function streamError(data: string): ApiError | NetworkError {
  let body: JsonValue;
  try {
    body = JSON.parse(data) as JsonValue;
  } catch {
    return new NetworkError(`the server ended the stream: ${data}`);
  }
  if (isJsonObject(body) && typeof body.error === 'string' && typeof body.status === 'number')
    return new ApiError({
      status: body.status,
      error: body.error,
      message: typeof body.message === 'string' ? body.message : body.error,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
    });
  return new NetworkError(`the server ended the stream: ${data}`);
}

export function registerWatchCommand(program: Command): void {
  const watch = program
    .command('watch')
    .description(
      'print change events as they happen, one JSON object per line: {thingId, action, path, value, revision, timestamp}; Ctrl-C stops',
    )
    .option('--thing <thingIds...>', 'only these things (repeat or comma-separate, at most 200)')
    .option('--namespaces <list>', 'only things in these namespaces (comma-separated)')
    .option(
      '--filter <rql>',
      "only events whose thing matches this RQL filter, e.g. 'gt(features/temperature/properties/value,25)'",
    )
    .option(
      '--fields <selector>',
      'print the changed part of each thing as the server streams it (a partial thing), cut to these fields, instead of event records',
    )
    .option('--extra-fields <selector>', 'add these fields of the whole thing to each event (under "extra")')
    .option('--count <n>', 'exit after n events')
    .action(async (flags: WatchFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const ids = (flags.thing ?? [])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map(thingIdArg);
      if (ids.length > 200) throw new UsageError('--thing takes at most 200 ids');
      const limit = countArg(flags.count);
      const records = flags.fields === undefined;
      const fields = records
        ? flags.extraFields !== undefined
          ? `${RECORD_FIELDS},${flags.extraFields}`
          : RECORD_FIELDS
        : flags.fields;
      const stop = stopOnSignals();
      // Ends the request on every way out (count reached, error, Ctrl-C), so the process can exit.
      const done = new AbortController();
      stop.signal.addEventListener('abort', () => done.abort(), { once: true });
      try {
        let res: Response;
        try {
          res = await ctx.client().stream({
            method: 'GET',
            path: '/api/2/things',
            accept: 'text/event-stream',
            query: {
              ids: ids.length > 0 ? ids.join(',') : undefined,
              namespaces: namespacesArg(flags.namespaces),
              filter: filterArg(flags.filter),
              fields,
              extraFields: flags.extraFields,
            },
            signal: done.signal,
          });
        } catch (e) {
          if (stop.signal.aborted) return;
          throw e;
        }
        if (!res.body) throw new NetworkError('the server answered without an event stream');
        const what =
          ids.length > 0
            ? ids.join(', ')
            : flags.namespaces
              ? `namespaces ${flags.namespaces}`
              : 'all things you may read';
        ctx.diagnostic(`watching ${what} (Ctrl-C to stop)`);
        let seen = 0;
        try {
          for await (const e of readSse(res.body)) {
            if (e.event === 'error') throw streamError(e.data);
            if (e.data === '') continue;
            let data: JsonValue;
            try {
              data = JSON.parse(e.data) as JsonValue;
            } catch {
              data = e.data;
            }
            const line = records && isJsonObject(data) ? eventRecord(data) : data;
            process.stdout.write(JSON.stringify(line) + '\n');
            if (++seen >= limit) return;
          }
        } catch (e) {
          if (stop.signal.aborted) return;
          if (e instanceof ApiError || e instanceof NetworkError) throw e;
          throw new NetworkError(`the event stream broke: ${(e as Error).message}`);
        }
        if (!stop.signal.aborted) throw new NetworkError('the server ended the event stream');
      } finally {
        done.abort();
        stop.dispose();
      }
    });
  examples(watch, [
    'egiz watch',
    'egiz watch --thing egiz.examples:van-1 --count 1',
    `egiz watch --namespaces egiz.examples --filter 'gt(features/temperature/properties/value,22)'`,
    'egiz watch --thing egiz.examples:van-1 --fields features/position -o ndjson',
    'egiz watch --namespaces egiz.examples --extra-fields attributes/location | jq .',
  ]);
}
