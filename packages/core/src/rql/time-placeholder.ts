/**
 * @module The `time:` placeholders of RQL values, as Ditto's time placeholder defines them:
 * `time:now` (ISO-8601 string) and `time:now_epoch_millis` (number), each optionally followed by
 * an offset `<+|-><amount>[unit]` and a truncation `[<unit>]`, units `ms s m h d w mo y`.
 */
import type { RqlPlaceholder } from './ast.js';

// The amount is capped at 12 digits: enough for any real offset, and it keeps the arithmetic
// far away from precision loss; larger amounts are a syntax error instead of a silent wrap.
const TIME_PLACEHOLDER =
  /^time:(now_epoch_millis|now)(?:([+-])(\d{1,12})(ms|mo|s|m|h|d|w|y)?)?(?:\[(ms|mo|s|m|h|d|w|y)\])?$/;

type TimeUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'mo' | 'y';

const SECOND = 1000;
const DAY = 86_400 * SECOND;
// Months and years are fixed lengths (a twelfth of 365.2425 days, and 365.2425 days), the
// "estimated durations" Ditto uses for offsets, so `now-1mo` is not calendar arithmetic.
const YEAR = 31_556_952 * SECOND;
const UNIT_MILLIS: Readonly<Record<TimeUnit, number>> = {
  ms: 1,
  s: SECOND,
  m: 60 * SECOND,
  h: 3600 * SECOND,
  d: DAY,
  w: 7 * DAY,
  mo: YEAR / 12,
  y: YEAR,
};

export function isTimePlaceholderName(name: string): boolean {
  return TIME_PLACEHOLDER.test(name);
}

/**
 * The value a placeholder stands for at instant `now`: an ISO-8601 string (always with
 * milliseconds, like `Date#toISOString`, so it orders correctly against timestamps the platform
 * writes) or epoch milliseconds. `undefined` when the name is unknown or the instant is outside
 * the range of a Date; such a comparison then matches nothing.
 */
export function resolveRqlPlaceholder(placeholder: RqlPlaceholder, now: Date): string | number | undefined {
  const m = TIME_PLACEHOLDER.exec(placeholder.name);
  if (m === null) return undefined;
  const [, base, sign, amount, unit, truncation] = m;
  let millis = now.getTime();
  if (sign !== undefined && amount !== undefined) {
    const delta = Number(amount) * UNIT_MILLIS[(unit ?? 's') as TimeUnit];
    millis = sign === '-' ? millis - delta : millis + delta;
  }
  if (truncation !== undefined) millis = truncate(millis, truncation as TimeUnit);
  const instant = new Date(millis);
  if (!Number.isFinite(instant.getTime())) return undefined;
  return base === 'now' ? instant.toISOString() : instant.getTime();
}

/** Truncation is done in UTC; Ditto uses the server's zone for w/mo/y, which is not portable. */
function truncate(millis: number, unit: TimeUnit): number {
  if (!Number.isFinite(millis)) return millis;
  if (unit === 'mo' || unit === 'y') {
    const d = new Date(millis);
    if (!Number.isFinite(d.getTime())) return millis;
    return Date.UTC(d.getUTCFullYear(), unit === 'y' ? 0 : d.getUTCMonth(), 1);
  }
  if (unit === 'w') {
    const dayStart = Math.floor(millis / DAY) * DAY;
    // 1970-01-01 was a Thursday: shift so that weeks start on Monday, as in Ditto.
    const sinceMonday = (new Date(dayStart).getUTCDay() + 6) % 7;
    return dayStart - sinceMonday * DAY;
  }
  const size = UNIT_MILLIS[unit];
  return Math.floor(millis / size) * size;
}
