/**
 * @module What PostgreSQL jsonb (and text) cannot hold: U+0000 and unpaired UTF-16 surrogates. Both
 * are legal in JavaScript strings and in SQLite, so the adapter names the offending entity instead of
 * letting PostgreSQL fail the batch with a bare "unsupported Unicode escape sequence".
 */

/**
 * JSON.stringify writes U+0000 as `\u0000` and a lone surrogate as `\udXXX` (paired ones stay raw),
 * so one scan of the serialised text finds both; an escape counts only after an even run of
 * backslashes, since `\\u0000` is a backslash followed by the letters "u0000".
 */
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/;

export function hasUnstorableText(json: string): boolean {
  return UNSTORABLE.test(json);
}
