/** @module RqlSyntaxError: the one error the RQL and search-option parsers throw for bad input. */

/**
 * Thrown for any input the parsers reject, including inputs over a limit. `position` is the
 * 0-based UTF-16 offset into the input where the problem was detected, so an edge can point at
 * it; the message names what was expected there. Edges map this to Ditto's
 * `rql.expression.invalid` (400); it never carries the input itself, which may be huge.
 */
export class RqlSyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'RqlSyntaxError';
    this.position = position;
  }
}

/** Input quoted in a message is cut short: messages end up in HTTP responses and logs. */
export function excerpt(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
