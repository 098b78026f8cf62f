/**
 * @module Writes RQL ASTs and search options back as text that the parsers read back to an
 * equal value. Output is canonical: no whitespace, double-quoted strings, property characters
 * the grammar reserves escaped as \uXXXX.
 */
import { isRqlPlaceholder, type RqlNode, type RqlValue } from './ast.js';
import type { SearchOptions } from './options-parser.js';
import { visitRql, type RqlVisitor } from './visitor.js';

export function formatRql(node: RqlNode): string {
  return visitRql(node, FORMATTER);
}

const comparison = (node: { kind: string; property: string; value: RqlValue }): string =>
  `${node.kind}(${formatProperty(node.property)},${formatRqlValue(node.value)})`;
const property = (node: { kind: string; property: string }): string =>
  `${node.kind}(${formatProperty(node.property)})`;
const logical = (node: { kind: string; children: readonly RqlNode[] }): string =>
  `${node.kind}(${node.children.map(formatRql).join(',')})`;

const FORMATTER: RqlVisitor<string> = {
  and: logical,
  or: logical,
  not: (node) => `not(${formatRql(node.child)})`,
  eq: comparison,
  ne: comparison,
  gt: comparison,
  ge: comparison,
  lt: comparison,
  le: comparison,
  like: comparison,
  ilike: comparison,
  in: (node) => `in(${formatProperty(node.property)},${node.values.map(formatRqlValue).join(',')})`,
  exists: property,
  empty: property,
};

export function formatRqlValue(value: RqlValue): string {
  if (isRqlPlaceholder(value)) return value.name;
  if (typeof value === 'string') return formatString(value);
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

/**
 * Integers print as digits (what Ditto expects) while they fit the 64-bit range the parser
 * enforces for integer literals; beyond it in exponent form. `String` gives the shortest text
 * that reads back as the same double.
 */
function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 2 ** 63) return n.toExponential();
  return String(n);
}

function formatString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (code < 0x20) out += unicodeEscape(code);
    else out += ch;
  }
  return out + '"';
}

/** Properties are unquoted, so `,` `)` `"` (which end them) and `\` are escaped. */
export function formatProperty(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === ',' || ch === ')' || code < 0x20) out += unicodeEscape(code);
    else out += ch;
  }
  return out;
}

function unicodeEscape(code: number): string {
  return '\\u' + code.toString(16).padStart(4, '0');
}

export function formatSearchOptions(options: SearchOptions): string {
  const parts: string[] = [];
  if (options.sort !== undefined && options.sort.length > 0) {
    const entries = options.sort.map((e) => (e.direction === 'asc' ? '+' : '-') + formatProperty(e.property));
    parts.push(`sort(${entries.join(',')})`);
  }
  if (options.size !== undefined) parts.push(`size(${options.size})`);
  if (options.cursor !== undefined) parts.push(`cursor(${formatProperty(options.cursor)})`);
  if (options.limit !== undefined) parts.push(`limit(${options.limit.offset},${options.limit.count})`);
  return parts.join(',');
}
