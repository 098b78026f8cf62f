/**
 * @module Plain-text tables for humans: a list of objects becomes columns (given, or the union of
 * top-level keys), one object becomes KEY/VALUE rows; nested values are shown as compact JSON, cut.
 */

export interface Column {
  readonly header: string;
  readonly value: (row: unknown) => unknown;
}

const MAX_CELL = 60;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function cell(v: unknown, max = MAX_CELL): string {
  let s: string;
  if (v === undefined || v === null) s = '';
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else s = JSON.stringify(v);
  s = s.replace(/\s+/g, ' ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function grid(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function headerOf(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

export function renderTable(value: unknown, columns?: readonly Column[]): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    let cols = columns;
    if (!cols) {
      if (!value.every(isRecord)) return grid([['VALUE'], ...value.map((v) => [cell(v, Infinity)])]);
      const keys: string[] = [];
      for (const row of value) for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
      cols = keys.map((k) => ({ header: headerOf(k), value: (row) => (row as Record<string, unknown>)[k] }));
    }
    // The last column is not cut: nothing is aligned after it.
    const last = cols.length - 1;
    return grid([
      cols.map((c) => c.header),
      ...value.map((row) => cols.map((c, i) => cell(c.value(row), i === last ? Infinity : MAX_CELL))),
    ]);
  }
  if (isRecord(value)) {
    if (columns) return renderTable([value], columns);
    return grid([['KEY', 'VALUE'], ...Object.entries(value).map(([k, v]) => [k, cell(v, Infinity)])]);
  }
  return cell(value, Infinity);
}
