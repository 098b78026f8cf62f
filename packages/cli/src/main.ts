#!/usr/bin/env node
/**
 * @module The `egiz` entry point: runs the command tree and turns every outcome into an exit code
 * (see exit-codes.ts). Data goes to stdout, diagnostics and errors to stderr.
 */
import { CommanderError } from 'commander';
import { CliError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { createProgram } from './program.js';

function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CliError) {
    process.stderr.write(e.render() + '\n');
    return e.exitCode;
  }
  if (e instanceof CommanderError) {
    // --help and --version end with "errors" that are not errors.
    if (e.exitCode === 0) return EXIT.ok;
    return EXIT.usage;
  }
  process.stderr.write(`egiz: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.internal;
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  const program = createProgram({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(s),
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return exitCodeOf(e);
  }
}

// `egiz … | head` closes stdout early: stop quietly instead of crashing with EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
