/** @module Reading text line by line (NDJSON, id lists) from a file or stdin, streaming. */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';

export interface NumberedLine {
  readonly number: number;
  readonly text: string;
}

/** `-` or undefined reads stdin. Blank lines are skipped (but counted). */
export async function* readLines(path: string | undefined): AsyncGenerator<NumberedLine> {
  let input: NodeJS.ReadableStream;
  if (path === undefined || path === '-') input = process.stdin;
  else {
    // Open first so that a missing file is a usage error, not a stream error event.
    try {
      const fh = await open(path, 'r');
      input = fh.createReadStream({ encoding: 'utf8' });
    } catch (e) {
      throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
    }
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const text of rl) {
    number++;
    if (text.trim() !== '') yield { number, text };
  }
}

/** Counts non-blank lines of a file (for a progress total); undefined for stdin. */
export async function countLines(path: string | undefined): Promise<number | undefined> {
  if (path === undefined || path === '-') return undefined;
  let n = 0;
  for await (const _ of readLines(path)) n++;
  return n;
}
