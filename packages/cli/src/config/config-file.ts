/**
 * @module The profiles file: `$EGIZ_CONFIG`, else `$XDG_CONFIG_HOME/egiz/config.json`, else
 * `~/.config/egiz/config.json`. It holds credentials, so it is written with mode 0600 (folder 0700)
 * through a temporary file and a rename, so a crash never leaves half a file.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EXIT } from '../exit-codes.js';
import { CliError } from '../errors.js';

export interface Profile {
  url?: string;
  user?: string;
  password?: string;
  token?: string;
}

export interface ConfigFile {
  currentProfile?: string;
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';

export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.EGIZ_CONFIG) return env.EGIZ_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'egiz', 'config.json');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringField(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

function parseProfile(raw: unknown): Profile {
  const p: Profile = {};
  if (!isRecord(raw)) return p;
  for (const key of ['url', 'user', 'password', 'token'] as const) {
    const v = stringField(raw, key);
    if (v !== undefined) p[key] = v;
  }
  return p;
}

/** Reads the file; a missing file is an empty configuration, a broken one an error. */
export function readConfig(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new CliError(`cannot read the config file ${path}: ${(e as Error).message}`, EXIT.usage);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CliError(
      `the config file ${path} is not valid JSON`,
      EXIT.usage,
      'fix or delete it, then run `egiz login`',
    );
  }
  const config: ConfigFile = { profiles: {} };
  if (!isRecord(raw)) return config;
  const current = stringField(raw, 'currentProfile');
  if (current !== undefined) config.currentProfile = current;
  if (isRecord(raw.profiles))
    for (const [name, p] of Object.entries(raw.profiles)) config.profiles[name] = parseProfile(p);
  return config;
}

export function writeConfig(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
