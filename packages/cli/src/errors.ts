/** @module The errors egiz reports: each carries its exit code and renders itself for stderr. */
import { EXIT, exitCodeForStatus, type ExitCode } from './exit-codes.js';

export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCode, hint?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = hint;
  }

  /** Lines for stderr, without the trailing newline. */
  render(): string {
    return `egiz: ${this.message}` + (this.hint ? `\n  hint: ${this.hint}` : '');
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
    this.name = 'UsageError';
  }
}

/** The fields of a Ditto error answer (`{status, error, message, description, href}`). */
export interface DittoErrorFields {
  readonly status: number;
  readonly error: string;
  readonly message: string;
  readonly description?: string;
  readonly href?: string;
}

/** The server answered with an error status; shown with the Ditto error fields. */
export class ApiError extends CliError {
  readonly status: number;
  readonly error: string;
  readonly description: string | undefined;
  readonly href: string | undefined;

  constructor(fields: DittoErrorFields, hint?: string) {
    super(fields.message, exitCodeForStatus(fields.status), hint);
    this.name = 'ApiError';
    this.status = fields.status;
    this.error = fields.error;
    this.description = fields.description;
    this.href = fields.href;
  }

  toJSON(): DittoErrorFields {
    return {
      status: this.status,
      error: this.error,
      message: this.message,
      ...(this.description !== undefined ? { description: this.description } : {}),
      ...(this.href !== undefined ? { href: this.href } : {}),
    };
  }

  override render(): string {
    const lines = [`egiz: ${this.error} (HTTP ${this.status})`, `  message:     ${this.message}`];
    if (this.description) lines.push(`  description: ${this.description}`);
    if (this.href) lines.push(`  href:        ${this.href}`);
    if (this.hint) lines.push(`  hint:        ${this.hint}`);
    return lines.join('\n');
  }
}

/** The server could not be reached or did not answer in time. */
export class NetworkError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.server, hint);
    this.name = 'NetworkError';
  }
}
