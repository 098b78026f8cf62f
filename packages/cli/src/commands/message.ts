/**
 * @module `egiz message send` (POST …/inbox|outbox/messages/{subject}: the device's reply becomes the
 * answer, 408 when none comes in time) and `egiz message listen` (a WebSocket on /ws/2 with
 * START-SEND-MESSAGES: each message to the thing as one Ditto Protocol envelope per line,
 * optionally answered with `--reply` under the message's correlation-id).
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import WebSocket from 'ws';
import { isJsonObject, type JsonObject, type JsonValue } from '@egiz/core';
import { contextOf } from '../context.js';
import { ApiError, NetworkError, UsageError } from '../errors.js';
import { stopOnSignals } from '../io/stop-signal.js';
import { parseValueText, readValue } from '../io/value-input.js';
import { examples, featureIdArg, thingIdArg, thingPath } from './common.js';

/** Ditto's default time to wait for a message reply. */
const DEFAULT_MESSAGE_TIMEOUT_S = 10;

interface SendFlags {
  readonly feature?: string;
  readonly outbox?: boolean;
  readonly data?: string;
  readonly file?: string;
  readonly contentType?: string;
  readonly string?: boolean;
}

interface ListenFlags {
  readonly reply?: string;
  readonly replyStatus: string;
  readonly subject?: string;
  readonly count?: string;
}

function subjectArg(raw: string): string[] {
  const segments = raw.split('/');
  if (raw === '' || segments.some((s) => s === ''))
    throw new UsageError(`'${raw}' is not a valid message subject`, 'e.g. ask or heat/up');
  return segments;
}

function messageTimeoutS(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MESSAGE_TIMEOUT_S;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0 || s > 3600)
    throw new UsageError(`--timeout must be 0 to 3600 seconds for a message, got '${raw}'`);
  return s;
}

function isJsonType(contentType: string | null): boolean {
  return contentType !== null && /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
}

function countArg(raw: string | undefined): number {
  if (raw === undefined) return Infinity;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--count must be a positive integer, got '${raw}'`);
  return n;
}

/** `ns/name/things/live/messages/<subject>` of a message to (or from) `thingId`. */
function isMessageFor(frame: JsonObject, thingId: string): boolean {
  const [ns, name] = thingId.split(/:(.*)/s);
  return typeof frame.topic === 'string' && frame.topic.startsWith(`${ns}/${name}/things/live/messages/`);
}

function subjectOf(frame: JsonObject): string {
  return typeof frame.topic === 'string' ? frame.topic.split('/').slice(5).join('/') : '';
}

function upgradeError(status: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const b = isJsonObject(parsed) ? parsed : {};
  return new ApiError(
    {
      status,
      error: typeof b.error === 'string' ? b.error : `http:${status}`,
      message:
        typeof b.message === 'string' ? b.message : `the WebSocket upgrade was refused (HTTP ${status})`,
    },
    status === 401
      ? 'check the credentials (--user/--password/--token, EGIZ_* variables or `egiz login`)'
      : undefined,
  );
}

export function registerMessageCommands(program: Command): void {
  const message = program
    .command('message')
    .description('live messages to and from devices (the Ditto messages API)');
  examples(message, [
    `egiz message send my.house:lamp-1 switch --data '{"on":true}'`,
    'egiz message listen my.house:lamp-1 --reply \'{"ok":true}\'',
  ]);

  const send = message
    .command('send')
    .description(
      "send a message to a thing's inbox (or --outbox: from the thing) and print the reply; exit 8 when nobody answers in time",
    )
    .argument('<thingId>', 'namespace:name')
    .argument('<subject>', 'the message subject, e.g. ask or heat/up')
    .option('--feature <featureId>', "address a feature's mailbox")
    .option('--outbox', 'send from the thing (outbox) instead of to it (inbox)')
    .option('--data <value>', 'the payload: JSON when valid, else text')
    .option('-f, --file <path>', "read the payload from a file ('-' for stdin)")
    .option('--string', 'send the payload as text even if it looks like JSON')
    .option(
      '--content-type <type>',
      'content type of the payload (default: application/json for JSON, else text/plain)',
    )
    .addHelpText(
      'after',
      '\nThe global --timeout <seconds> says how long the server waits for the reply (default 10; 0 = do not wait, the server answers 202).\n',
    )
    .action(async (id: string, subject: string, flags: SendFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const thingId = thingIdArg(id);
      const segments = [
        ...(flags.feature !== undefined ? ['features', featureIdArg(flags.feature)] : []),
        flags.outbox ? 'outbox' : 'inbox',
        'messages',
        ...subjectArg(subject),
      ];
      if (flags.data !== undefined && flags.file !== undefined)
        throw new UsageError('give the payload either with --data or with --file, not both');
      const payload =
        flags.data !== undefined
          ? parseValueText(flags.data, flags.string === true)
          : await readValue(undefined, { file: flags.file, string: flags.string });
      const timeout = messageTimeoutS(ctx.options.timeout);
      const isText =
        typeof payload === 'string' && (flags.contentType === undefined || !isJsonType(flags.contentType));
      const client = ctx.clientWith((timeout + 10) * 1000);
      const res = await client
        .request({
          method: 'POST',
          path: thingPath(thingId, ...segments),
          query: { timeout: String(timeout) },
          headers: { 'correlation-id': randomUUID() },
          ...(payload === undefined
            ? {}
            : isText
              ? { rawBody: payload, ...(flags.contentType ? { contentType: flags.contentType } : {}) }
              : { body: payload, ...(flags.contentType ? { contentType: flags.contentType } : {}) }),
        })
        .catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 408)
            throw new ApiError(
              e.toJSON(),
              `nobody answered within ${timeout} s: is a device connected (e.g. \`egiz message listen ${thingId}\`)? Wait longer with --timeout`,
            );
          throw e;
        });
      if (res.status === 202) {
        ctx.note(`sent ${subject} to ${thingId} (no reply awaited)`);
        return;
      }
      if (res.text === '') return;
      if (isJsonType(res.headers.get('content-type'))) await ctx.print(res.body, 'json');
      else process.stdout.write(res.text.endsWith('\n') ? res.text : res.text + '\n');
    });
  examples(send, [
    `egiz message send my.house:lamp-1 switch --data '{"on":true}'`,
    'egiz message send my.house:coffee ask --data "how are you?" --timeout 30',
    'egiz message send my.house:coffee heat/up --feature tank --data 90',
    `egiz message send my.house:lamp-1 alarm --outbox --data '"smoke"' --timeout 0   # fire and forget`,
  ]);

  const listen = message
    .command('listen')
    .description(
      'act as the device: print each message to (and from) a thing as a Ditto Protocol envelope, one per line; --reply answers them; Ctrl-C stops',
    )
    .argument('<thingId>', 'namespace:name')
    .option('--reply <value>', 'answer every message with this payload (JSON when valid, else text)')
    .option('--reply-status <code>', 'HTTP status of the replies', '200')
    .option('--subject <subject>', 'only messages with this subject')
    .option('--count <n>', 'exit after n messages')
    .action(async (id: string, flags: ListenFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const thingId = thingIdArg(id);
      const limit = countArg(flags.count);
      const replyStatus = Number(flags.replyStatus);
      if (!Number.isInteger(replyStatus) || replyStatus < 200 || replyStatus > 599)
        throw new UsageError(`--reply-status must be an HTTP status (200-599), got '${flags.replyStatus}'`);
      const reply = flags.reply !== undefined ? parseValueText(flags.reply) : undefined;
      const connection = ctx.connection();
      const wsUrl = connection.url.replace(/^http/, 'ws') + '/ws/2';
      const namespace = thingId.slice(0, thingId.indexOf(':'));
      const stop = stopOnSignals();
      const socket = new WebSocket(wsUrl, {
        headers: ctx.clientWith(ctx.timeoutMs()).authHeaders(),
        handshakeTimeout: ctx.timeoutMs(),
      });
      if (ctx.options.verbose) ctx.diagnostic(`> GET ${wsUrl} (WebSocket)`);
      try {
        await new Promise<void>((resolve, reject) => {
          let seen = 0;
          let started = false;
          const fail = (e: Error) => {
            socket.terminate();
            reject(e);
          };
          stop.signal.addEventListener('abort', () => {
            socket.close(1000);
            resolve();
          });
          socket.once('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString('utf8')));
            res.on('end', () => fail(upgradeError(res.statusCode ?? 500, body)));
          });
          socket.once('error', (e: Error & { code?: string }) => {
            if (stop.signal.aborted) return;
            fail(
              new NetworkError(
                `cannot reach ${connection.url} (${e.code ?? e.message})`,
                'is the server running? Set the address with --url, EGIZ_URL or `egiz login --url`',
              ),
            );
          });
          socket.once('open', () => {
            const params = new URLSearchParams({ namespaces: namespace });
            socket.send(`START-SEND-MESSAGES?${params.toString()}`);
          });
          socket.on('message', (data: Buffer) => {
            const text = data.toString('utf8');
            if (text === 'START-SEND-MESSAGES:ACK') {
              started = true;
              ctx.diagnostic(`listening for messages of ${thingId} (Ctrl-C to stop)`);
              return;
            }
            let frame: JsonValue;
            try {
              frame = JSON.parse(text) as JsonValue;
            } catch {
              return;
            }
            if (!isJsonObject(frame)) return;
            if (typeof frame.topic === 'string' && frame.topic.includes('/errors') && !started) {
              const v = isJsonObject(frame.value) ? frame.value : {};
              fail(
                new ApiError({
                  status: typeof v.status === 'number' ? v.status : 400,
                  error: typeof v.error === 'string' ? v.error : 'error',
                  message: typeof v.message === 'string' ? v.message : 'the server refused the subscription',
                }),
              );
              return;
            }
            // Only requests: replies (with a status) of other parties are not ours to print.
            if (frame.status !== undefined || !isMessageFor(frame, thingId)) return;
            if (flags.subject !== undefined && subjectOf(frame) !== flags.subject) return;
            process.stdout.write(JSON.stringify(frame) + '\n');
            const headers = isJsonObject(frame.headers) ? frame.headers : {};
            const correlationId = headers['correlation-id'];
            if (reply !== undefined && typeof correlationId === 'string') {
              socket.send(
                JSON.stringify({
                  topic: frame.topic,
                  headers: {
                    'correlation-id': correlationId,
                    'content-type': typeof reply === 'string' ? 'text/plain' : 'application/json',
                  },
                  path: frame.path,
                  value: reply,
                  status: replyStatus,
                }),
              );
            }
            if (++seen >= limit) {
              // Let the reply leave before closing.
              socket.close(1000);
              socket.once('close', () => resolve());
            }
          });
          socket.on('close', (code: number, reason: Buffer) => {
            if (stop.signal.aborted || seen >= limit) {
              resolve();
              return;
            }
            const why = reason.toString('utf8');
            const err = new NetworkError(
              `the server closed the connection (${code}${why ? `: ${why}` : ''})`,
            );
            fail(err);
          });
        });
      } finally {
        stop.dispose();
      }
    });
  examples(listen, [
    'egiz message listen my.house:lamp-1',
    `egiz message listen my.house:lamp-1 --reply '{"ok":true}'`,
    'egiz message listen my.house:coffee --subject ask --reply "I am a coffee machine" --reply-status 418 --count 1',
  ]);
}
