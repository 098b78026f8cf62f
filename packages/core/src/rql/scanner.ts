/**
 * @module Character-level scanner shared by the filter and the search-option parsers: the
 * literal, property and whitespace rules of Ditto's RQL grammar (RqlParserBase.scala).
 * RQL has no context-free token stream (a property may contain spaces, quotes or parentheses
 * that would be tokens elsewhere), so the parsers ask for what they expect at each position.
 */
import type { RqlPlaceholder, RqlValue } from './ast.js';
import { excerpt, RqlSyntaxError } from './errors.js';
import { isTimePlaceholderName } from './time-placeholder.js';

const BACKSLASH = 0x5c;
// Ditto's whitespace set: space, \n, \r, \t, \f.
const WHITESPACE = new Set([0x20, 0x0a, 0x0d, 0x09, 0x0c]);
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

export class RqlScanner {
  readonly input: string;
  pos = 0;

  constructor(input: string) {
    this.input = input;
  }

  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  /** The UTF-16 code unit at pos, or -1 at the end. */
  peek(): number {
    return this.pos < this.input.length ? this.input.charCodeAt(this.pos) : -1;
  }

  skipWhitespace(): void {
    while (WHITESPACE.has(this.peek())) this.pos++;
  }

  /** Consumes `ch` if it is next. */
  consume(ch: string): boolean {
    if (this.input.charCodeAt(this.pos) !== ch.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }

  expect(ch: string, expected = `'${ch}'`): void {
    if (!this.consume(ch)) throw this.error(expected);
  }

  expectEnd(): void {
    if (!this.atEnd()) throw this.error('end of input');
  }

  /** An error saying what was expected at `at` (default: the current position) and what is there. */
  error(expected: string, at = this.pos): RqlSyntaxError {
    return new RqlSyntaxError(`Expected ${expected} at position ${at} but found ${this.describe(at)}`, at);
  }

  describe(at: number): string {
    if (at >= this.input.length) return 'end of input';
    const ch = String.fromCodePoint(this.input.codePointAt(at) ?? 0);
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff)) {
      return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    }
    return `'${ch}'`;
  }

  /** An operator or option name: lower-case ASCII letters only, as Ditto's grammar spells them. */
  readName(): string {
    const start = this.pos;
    let c = this.peek();
    while (c >= 0x61 && c <= 0x7a) {
      this.pos++;
      c = this.peek();
    }
    return this.input.slice(start, this.pos);
  }

  /**
   * Ditto's PropertyLiteral: every character up to `,` `)` `"` or the end, with backslash
   * escapes (how a property can hold `,` or `)`: `\u002c`, `\u0029`). Raw; may be empty.
   */
  readRawProperty(): string {
    const input = this.input;
    let out = '';
    let chunk = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === -1 || c === 0x2c || c === 0x29 || c === 0x22) break;
      if (c === BACKSLASH) {
        out += input.slice(chunk, this.pos) + this.readEscape('"');
        chunk = this.pos;
      } else {
        this.pos++;
      }
    }
    return out + input.slice(chunk, this.pos);
  }

  /**
   * A property path normalised to "a/b/c": one leading and one trailing slash are dropped
   * (Ditto accepts both spellings), an empty path or an empty segment ("a//b") is rejected.
   */
  readProperty(what = 'a property'): string {
    const start = this.pos;
    const raw = this.readRawProperty();
    let path = raw.startsWith('/') ? raw.slice(1) : raw;
    if (path.endsWith('/')) path = path.slice(0, -1);
    if (path === '') {
      const hint = this.peek() === 0x22 ? ' (properties are not quoted)' : '';
      throw new RqlSyntaxError(
        `Expected ${what} at position ${start} but found ${this.describe(start)}${hint}`,
        start,
      );
    }
    if (path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
      throw new RqlSyntaxError(
        `Property '${excerpt(path)}' at position ${start} has an empty path segment`,
        start,
      );
    }
    return path;
  }

  /**
   * Ditto's Literal: a number, a double- or single-quoted string, true, false, null or a `time:`
   * placeholder, followed by optional whitespace.
   */
  readValue(): RqlValue {
    const c = this.peek();
    let value: RqlValue;
    if (c === 0x22 || c === 0x27) value = this.readString();
    else if (c === 0x2d || c === 0x2b || (c >= 0x30 && c <= 0x39)) value = this.readNumber();
    else if (this.consumeWord('true')) value = true;
    else if (this.consumeWord('false')) value = false;
    else if (this.consumeWord('null')) value = null;
    else if (this.input.startsWith('time:', this.pos)) value = this.readPlaceholder();
    else {
      const expected = 'a value (number, quoted string, true, false, null or time placeholder)';
      // Ditto reads no whitespace before a value; say so, since `eq(a, 1)` looks harmless.
      const hint = WHITESPACE.has(c) ? ' (no whitespace is allowed before a value)' : '';
      throw new RqlSyntaxError(
        `Expected ${expected} at position ${this.pos} but found ${this.describe(this.pos)}${hint}`,
        this.pos,
      );
    }
    this.skipWhitespace();
    return value;
  }

  private consumeWord(word: string): boolean {
    if (!this.input.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private readPlaceholder(): RqlPlaceholder {
    const start = this.pos;
    let c = this.peek();
    // Stop where a literal can end; the whole token must then be a known placeholder.
    while (c !== -1 && c !== 0x2c && c !== 0x29 && c !== 0x22 && c !== BACKSLASH && !WHITESPACE.has(c)) {
      this.pos++;
      c = this.peek();
    }
    const name = this.input.slice(start, this.pos);
    if (!isTimePlaceholderName(name)) {
      throw new RqlSyntaxError(
        `Unknown placeholder '${excerpt(name)}' at position ${start}; ` +
          'expected time:now or time:now_epoch_millis, optionally with an offset like -1h and a truncation like [d]',
        start,
      );
    }
    return Object.freeze({ kind: 'placeholder', name });
  }

  /**
   * A quoted string. Escapes follow Ditto: both quote styles accept \\ \/ \b \f \n \r \t \uXXXX,
   * and each escapes only its own quote character (\" inside "…", \' inside '…').
   */
  private readString(): string {
    const start = this.pos;
    const quote = this.input[this.pos] as '"' | "'";
    const quoteCode = quote.charCodeAt(0);
    this.pos++;
    const input = this.input;
    let out = '';
    let chunk = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === -1) {
        throw new RqlSyntaxError(
          `Expected closing ${quote} at position ${this.pos} (string started at position ${start}) but found end of input`,
          this.pos,
        );
      }
      if (c === quoteCode) {
        out += input.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c === BACKSLASH) {
        out += input.slice(chunk, this.pos) + this.readEscape(quote);
        chunk = this.pos;
      } else {
        this.pos++;
      }
    }
  }

  private readEscape(quote: '"' | "'"): string {
    const at = this.pos;
    const next = this.input[at + 1];
    this.pos += 2;
    switch (next) {
      case quote:
      case '\\':
      case '/':
        return next;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.input.slice(at + 2, at + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos += 4;
          return String.fromCharCode(parseInt(hex, 16));
        }
        break;
      }
    }
    this.pos = at;
    throw new RqlSyntaxError(
      `Invalid escape sequence at position ${at}: expected one of \\${quote} \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`,
      at,
    );
  }

  /**
   * Ditto's number grammar: optional sign, no leading zeros, optional fraction with at least one
   * digit. Exponents (`1e-7`) are accepted too, a superset of Ditto that lets every double be
   * written back. Integers must fit a signed 64-bit long as in Ditto; `-0` is rejected as Ditto does.
   */
  private readNumber(): number {
    const start = this.pos;
    if (this.peek() === 0x2b || this.peek() === 0x2d) this.pos++;
    const intStart = this.pos;
    if (this.peek() === 0x30) this.pos++;
    else if (!this.skipDigits()) throw this.error('a digit');
    let integral = true;
    if (this.peek() === 0x2e) {
      integral = false;
      this.pos++;
      if (!this.skipDigits()) throw this.error('a digit after the decimal point');
    }
    const e = this.peek();
    if (e === 0x65 || e === 0x45) {
      integral = false;
      this.pos++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.pos++;
      if (!this.skipDigits()) throw this.error('a digit in the exponent');
    }
    const text = this.input.slice(start, this.pos);
    if (integral) {
      if (text === '-0') throw new RqlSyntaxError(`Invalid integer '-0' at position ${start}`, start);
      // Only long digit runs can leave the long range; BigInt is skipped for the common case.
      if (this.pos - intStart > 18) {
        const big = BigInt(text);
        if (big > LONG_MAX || big < LONG_MIN) {
          throw new RqlSyntaxError(`Integer at position ${start} does not fit into 64 bits`, start);
        }
      }
    }
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw new RqlSyntaxError(`Number at position ${start} is out of the range of a double`, start);
    }
    // -0.0 and 0 are the same value to every comparison; one spelling keeps ASTs comparable.
    return value === 0 ? 0 : value;
  }

  private skipDigits(): boolean {
    const start = this.pos;
    let c = this.peek();
    while (c >= 0x30 && c <= 0x39) {
      this.pos++;
      c = this.peek();
    }
    return this.pos > start;
  }
}
