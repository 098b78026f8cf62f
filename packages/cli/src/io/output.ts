/**
 * @module Output formats (`-o json|yaml|table|ndjson`): data goes to stdout in the chosen format;
 * each command picks a sensible default for when `-o` is not given.
 */
import { renderTable, type Column } from './table.js';

export const FORMATS = ['json', 'yaml', 'table', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(s: string | undefined): s is Format {
  return (FORMATS as readonly string[]).includes(s ?? '');
}

export interface RenderOptions {
  readonly columns?: readonly Column[];
  /** A custom table renderer (e.g. the +/-/~ lines of a diff). */
  readonly table?: (value: unknown) => string;
}

/** The text to print, without a trailing newline ('' prints nothing). */
export async function render(value: unknown, format: Format, opts: RenderOptions = {}): Promise<string> {
  switch (format) {
    case 'json':
      return JSON.stringify(value, null, 2) ?? '';
    case 'ndjson':
      return Array.isArray(value)
        ? value.map((v) => JSON.stringify(v)).join('\n')
        : (JSON.stringify(value) ?? '');
    case 'yaml': {
      // Loaded only when asked for: it is the costliest import at start-up.
      const { stringify } = await import('yaml');
      return stringify(value).replace(/\n$/, '');
    }
    case 'table':
      return opts.table ? opts.table(value) : renderTable(value, opts.columns);
  }
}
