/** @module DittoError: an error with a stable code from the catalogue, that round-trips through JSON. */
import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.js';

export interface DittoErrorJson {
  status: number;
  error: string;
  message: string;
  description?: string;
  href?: string;
}

export class DittoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly description: string;
  readonly href: string | undefined;
  /** Extra response headers the error carries (e.g. the ETag of a 304). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { description?: string; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    const spec = ERROR_CATALOGUE[code];
    this.name = 'DittoError';
    this.code = code;
    this.status = opts.status ?? spec.status;
    this.description = opts.description ?? spec.description;
    this.href = 'href' in spec ? spec.href : undefined;
    this.headers = opts.headers ?? {};
  }

  toJSON(): DittoErrorJson {
    const json: DittoErrorJson = { status: this.status, error: this.code, message: this.message };
    if (this.description) json.description = this.description;
    if (this.href !== undefined) json.href = this.href;
    return json;
  }
}

export function isDittoError(e: unknown): e is DittoError {
  return e instanceof DittoError;
}
