/** @module The exit codes of `egiz`, one per class of failure, so scripts can branch on them. */

export const EXIT = {
  ok: 0,
  /** A bug in egiz itself (an unexpected exception). */
  internal: 1,
  /** Bad command line: unknown command or option, missing argument, invalid value. */
  usage: 2,
  /** 401 or 403: missing or wrong credentials, or not allowed. */
  auth: 3,
  /** 404: the thing (or the part of it) does not exist or may not be read. */
  notFound: 4,
  /** 409 or 412: a conflict or a failed precondition (--if-match, --condition, create of an existing id). */
  conflict: 5,
  /** Any other 4xx, and invalid input data (e.g. a bad NDJSON line). */
  client: 6,
  /** 5xx, timeouts and network errors (server unreachable). */
  server: 7,
  /** 408: nobody answered in time (a live message without a reply, a missing acknowledgement). */
  timeout: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  if (status === 408) return EXIT.timeout;
  if (status >= 400 && status < 500) return EXIT.client;
  if (status >= 500) return EXIT.server;
  return EXIT.ok;
}
