/** @module Parsing of subject expiry instants and Ditto durations, without a date library. */

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an ISO-8601 instant as Java's `Instant.parse` accepts it (UTC `Z` or a `±hh:mm`
 * offset, optional seconds and fraction) and returns epoch milliseconds, or undefined.
 * Calendar-impossible dates such as 2021-02-30 are rejected rather than rolled over.
 */
export function parseInstant(value: string): number | undefined {
  const m = INSTANT.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(local).getUTCDate() !== day) return undefined;
  if (m[8] !== undefined) return local;
  const offsetHours = Number(m[10]);
  const offsetMinutes = Number(m[11]);
  if (offsetHours > 18 || offsetMinutes > 59) return undefined;
  const sign = m[9] === '-' ? -1 : 1;
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

export const DURATION_UNITS = ['ms', 's', 'm', 'h', 'd', 'w', 'mo', 'y'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

const DURATION = /^\+?(\d+)(ms|s|mo|m|h|d|w|y)?$/;

/** Ditto's DittoDuration: a non-negative amount with an optional unit (seconds when absent). */
export function parseDuration(value: string): { amount: number; unit: DurationUnit } | undefined {
  const m = DURATION.exec(value);
  if (m === null) return undefined;
  return { amount: Number(m[1]), unit: (m[2] ?? 's') as DurationUnit };
}
