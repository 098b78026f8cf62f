/**
 * @module Values for writes: from the argument, `--file <path>` or stdin (`-`). Text that is valid
 * JSON is taken as JSON, anything else as a string (`--string` forces a string), so
 * `egiz attr set x:y floor 2` stores the number 2 and `... room kitchen` the string "kitchen".
 */
import { readFile } from 'node:fs/promises';
import { isJsonObject, type JsonObject, type JsonValue } from '@egiz/core';
import { UsageError } from '../errors.js';

export interface ValueSource {
  readonly file?: string | undefined;
  readonly string?: boolean | undefined;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseValueText(text: string, forceString = false): JsonValue {
  if (forceString) return text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

async function textOf(arg: string | undefined, src: ValueSource): Promise<string | undefined> {
  if (arg !== undefined && src.file !== undefined)
    throw new UsageError('give the value either as an argument or with --file, not both');
  if (src.file !== undefined) {
    if (src.file === '-') return stripNewline(await readStdin());
    try {
      return stripNewline(await readFile(src.file, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read ${src.file}: ${(e as Error).message}`);
    }
  }
  if (arg === '-') return stripNewline(await readStdin());
  return arg;
}

function stripNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

/** The value of a write, or undefined when none was given. */
export async function readValue(arg: string | undefined, src: ValueSource): Promise<JsonValue | undefined> {
  const text = await textOf(arg, src);
  return text === undefined ? undefined : parseValueText(text, src.string === true);
}

export async function requireValue(
  arg: string | undefined,
  src: ValueSource,
  what: string,
): Promise<JsonValue> {
  const v = await readValue(arg, src);
  if (v === undefined)
    throw new UsageError(`missing ${what}: give it as an argument, with --file, or '-' for stdin`);
  return v;
}

export function requireObject(v: JsonValue, what: string): JsonObject {
  if (!isJsonObject(v)) throw new UsageError(`${what} must be a JSON object, got ${JSON.stringify(v)}`);
  return v;
}
