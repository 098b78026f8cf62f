/**
 * @module RQL `like` patterns (`*` any run, `?` one character, nothing else special, no escape) in
 * the pattern languages of the databases, plus the literal prefix that lets an index narrow the scan.
 */

/** SQLite GLOB has the same two wildcards; only `[` (a character class there) must be neutralised. */
export function globPattern(pattern: string): string {
  return pattern.replace(/\[/g, '[[]');
}

/** SQL LIKE (backslash escape): `%` `_` `\` are escaped, then `*` -> `%` and `?` -> `_`. */
export function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_*?]/g, (c) => {
    if (c === '*') return '%';
    if (c === '?') return '_';
    return `\\${c}`;
  });
}

/** The characters before the first wildcard; every match starts with them. */
export function literalPrefix(pattern: string): string {
  const cut = pattern.search(/[*?]/);
  return cut < 0 ? pattern : pattern.slice(0, cut);
}

/**
 * The smallest string greater than every string that starts with `prefix` (in code point order,
 * which is the byte order of UTF-8), or undefined when there is none worth using.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last >= 0x10ffff) continue;
    // Skip the surrogate range: a lone surrogate is not a storable string.
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
