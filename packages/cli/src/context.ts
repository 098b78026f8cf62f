/**
 * @module What every command needs, built from the global options of its invocation: the profiles
 * file, the resolved connection and client, and writers for stdout (data) and stderr (diagnostics).
 */
import type { Command } from 'commander';
import { configPath, readConfig, type ConfigFile } from './config/config-file.js';
import { resolveConnection, type Connection } from './config/connection.js';
import { UsageError } from './errors.js';
import { EgizClient, DEFAULT_TIMEOUT_MS } from './http/client.js';
import { render, type Format, type RenderOptions } from './io/output.js';

export interface GlobalOptions {
  readonly url?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly profile?: string;
  readonly output?: Format;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  readonly timeout?: string;
}

export class Context {
  readonly env: NodeJS.ProcessEnv;
  readonly options: GlobalOptions;
  readonly configPath: string;
  #config: ConfigFile | undefined;
  #client: EgizClient | undefined;
  #connection: Connection | undefined;

  constructor(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.options = options;
    this.env = env;
    this.configPath = configPath(env);
  }

  get output(): Format | undefined {
    return this.options.output;
  }

  get stdoutIsTTY(): boolean {
    return process.stdout.isTTY === true;
  }

  get stderrIsTTY(): boolean {
    return process.stderr.isTTY === true;
  }

  /** Colours only on a terminal, and never with NO_COLOR set. */
  get color(): boolean {
    return this.stdoutIsTTY && !this.env.NO_COLOR;
  }

  config(): ConfigFile {
    this.#config ??= readConfig(this.configPath);
    return this.#config;
  }

  connection(): Connection {
    if (!this.#connection) {
      const connection = resolveConnection(this.options, this.env, this.config());
      try {
        new URL(connection.url);
      } catch {
        throw new UsageError(`'${connection.url}' is not a valid URL`, 'e.g. --url http://localhost:8080');
      }
      this.#connection = connection;
    }
    return this.#connection;
  }

  client(): EgizClient {
    this.#client ??= this.clientWith(this.timeoutMs());
    return this.#client;
  }

  /** A client with its own request timeout (e.g. long enough for a message reply). */
  clientWith(timeoutMs: number): EgizClient {
    return new EgizClient(this.connection(), {
      trace: this.options.verbose ? (line) => this.diagnostic(line) : undefined,
      timeoutMs,
    });
  }

  timeoutMs(): number {
    if (this.options.timeout === undefined) return DEFAULT_TIMEOUT_MS;
    const s = Number(this.options.timeout);
    if (!Number.isFinite(s) || s <= 0)
      throw new UsageError(`--timeout must be a positive number of seconds, got '${this.options.timeout}'`);
    return s * 1000;
  }

  /** Prints data on stdout in the chosen format (or the command's default). */
  async print(value: unknown, defaultFormat: Format, opts: RenderOptions = {}): Promise<void> {
    const text = await render(value, this.output ?? defaultFormat, opts);
    if (text !== '') process.stdout.write(text + '\n');
  }

  /** A diagnostic line on stderr (always, unless --quiet). */
  diagnostic(line: string): void {
    if (!this.options.quiet) process.stderr.write(line + '\n');
  }

  /** A confirmation for a human at a terminal ("modified …"); silent in scripts. */
  note(line: string): void {
    if (this.stderrIsTTY) this.diagnostic(line);
  }
}

export function contextOf(cmd: Command): Context {
  return new Context(cmd.optsWithGlobals<GlobalOptions>());
}
