/**
 * The README's five-minute tour, executed: the commands are read from README.md itself (the
 * ```console blocks under "## Five-minute tour"), run verbatim through `sh -c` from the repository
 * root, and their output is compared with the lines the README shows below each command. Only the
 * environment differs from a reader's machine: a free port on 127.0.0.1 and a temporary data
 * folder for the server (EGIZ_PORT, EGIZ_HOST, EGIZ_DATA_DIR), its address for the CLI (EGIZ_URL),
 * a private HOME, and EGIZ_PASSWORD standing in for typing the password at the login prompt.
 *
 * Transcript rules (also stated in the README): `$ ` starts a command; the lines up to the next
 * command are its expected output, stdout and stderr together; `…` alone is any number of lines,
 * `…` within a line any text; http://localhost:8080 stands for the server's address. A block after
 * `<!-- tour: keeps running -->` runs in the background like a second terminal: the tour goes on
 * once its first expected line has appeared, and at the end it must have printed all of it and
 * stop on Ctrl-C (SIGINT to its process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const TOUR_HEADING = '## Five-minute tour';
const KEEPS_RUNNING = '<!-- tour: keeps running -->';

interface TourCommand {
  readonly command: string;
  readonly expected: readonly string[];
  readonly background: boolean;
}

/** The commands of the tour, in order, with the output the README promises. */
export function tourCommands(readme: string): TourCommand[] {
  const lines = readme.split('\n');
  const start = lines.indexOf(TOUR_HEADING);
  if (start < 0) throw new Error(`README.md has no "${TOUR_HEADING}" section`);
  const endOffset = lines.slice(start + 1).findIndex((l) => l.startsWith('## '));
  const section = lines.slice(start + 1, endOffset < 0 ? undefined : start + 1 + endOffset);
  const commands: TourCommand[] = [];
  let inBlock = false;
  let background = false;
  let current: { command: string; expected: string[]; background: boolean } | undefined;
  section.forEach((line, i) => {
    if (!inBlock) {
      if (line.startsWith('```console')) {
        inBlock = true;
        background = section[i - 1]?.trim() === KEEPS_RUNNING;
      }
      return;
    }
    if (line.startsWith('```')) {
      inBlock = false;
      current = undefined;
      return;
    }
    if (line.startsWith('$ ')) {
      current = { command: line.slice(2), expected: [], background };
      commands.push(current);
    } else if (current) current.expected.push(line);
    else throw new Error(`output line before any command in the tour: ${line}`);
  });
  return commands;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One expected line as a regex source: `…` is any text; the README's address is the server's. */
function linePattern(line: string, port: number): string {
  return line
    .split('…')
    .map((part) => escape(part).replaceAll(escape('localhost:8080'), `(?:localhost|127\\.0\\.0\\.1):${port}`))
    .join('[^\\n]*');
}

/** The whole expected output as an anchored regex over the actual output (lines, trailing spaces cut). */
function outputPattern(expected: readonly string[], port: number): RegExp {
  const body = expected
    .map((line) => (line.trim() === '…' ? '(?:[^\\n]*\\n)*?' : `${linePattern(line.trimEnd(), port)}\\n`))
    .join('');
  return new RegExp(`^${body}$`);
}

function normalize(output: string): string {
  const lines = output.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Running {
  readonly spec: TourCommand;
  readonly child: ChildProcess;
  output: string;
  exit: Promise<number | null>;
}

const running: Running[] = [];
const dirs: string[] = [];

function run(spec: TourCommand, env: NodeJS.ProcessEnv): Running {
  // A process group of its own, like a terminal's foreground job, so Ctrl-C reaches npm, npx and node.
  const child = spawn('sh', ['-c', spec.command], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Running = {
    spec,
    child,
    output: '',
    exit: new Promise((resolveExit) => child.on('close', (code) => resolveExit(code))),
  };
  const append = (b: Buffer) => (r.output += b.toString('utf8'));
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  running.push(r);
  return r;
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function alive(r: Running): boolean {
  return r.child.exitCode === null && r.child.signalCode === null;
}

afterAll(() => {
  for (const r of running)
    if (alive(r) && r.child.pid !== undefined)
      try {
        process.kill(-r.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('README five-minute tour', () => {
  const tour = tourCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  it('covers start, seed, get, search, watch and patch', () => {
    const all = tour.map((c) => c.command).join('\n');
    for (const step of [
      'npm start',
      'egiz login',
      'egiz examples seed',
      'egiz thing get',
      'egiz search',
      'egiz watch',
      'egiz thing patch',
    ])
      expect(all).toContain(step);
    expect(tour.filter((c) => c.background).map((c) => c.command)).toEqual([
      'npm start',
      expect.stringContaining('egiz watch') as unknown as string,
    ]);
  });

  it('works verbatim against a fresh server and prints what the README says', async () => {
    const port = await freePort();
    const home = mkdtempSync(join(tmpdir(), 'egiz-tour-home-'));
    const data = mkdtempSync(join(tmpdir(), 'egiz-tour-data-'));
    dirs.push(home, data);
    const url = `http://127.0.0.1:${port}`;
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      NO_COLOR: '1',
      EGIZ_PORT: String(port),
      EGIZ_HOST: '127.0.0.1',
      EGIZ_DATA_DIR: data,
      EGIZ_URL: url,
    };
    const background: Running[] = [];
    for (const spec of tour) {
      const env = /\begiz login\b/.test(spec.command) ? { ...base, EGIZ_PASSWORD: 'ditto' } : base;
      const r = run(spec, env);
      if (spec.background) {
        const first = spec.expected.find((l) => l.trim() !== '…' && l.trim() !== '');
        const ready = new RegExp(`(?:^|\\n)${linePattern(first ?? '', port)}\\n`);
        await until(
          () => ready.test(normalize(r.output)) || !alive(r),
          120_000,
          () => `"${spec.command}" to print "${first}"; it printed:\n${r.output}`,
        );
        expect(alive(r), `"${spec.command}" ended early:\n${r.output}`).toBe(true);
        background.push(r);
        continue;
      }
      const code = await r.exit;
      expect(code, `"${spec.command}" exited ${code}:\n${r.output}`).toBe(0);
      expect(normalize(r.output), `output of "${spec.command}"`).toMatch(outputPattern(spec.expected, port));
    }
    // The terminals that kept running: all they promised has arrived; Ctrl-C ends each cleanly.
    for (const r of background.reverse()) {
      const pattern = outputPattern(r.spec.expected, port);
      await until(
        () => pattern.test(normalize(r.output)),
        15_000,
        () => `"${r.spec.command}" to print what the README shows; it printed:\n${r.output}`,
      );
      const group = r.child.pid as number;
      process.kill(-group, 'SIGINT');
      const code = await r.exit;
      expect(normalize(r.output), `output of "${r.spec.command}"`).toMatch(pattern);
      // The `sh -c` wrapper dies of the SIGINT as a terminal's job would; what counts is that
      // everything in the job stops, without being killed harder.
      expect(code === 0 || r.child.signalCode === 'SIGINT', `"${r.spec.command}" after Ctrl-C`).toBe(true);
      await until(
        () => !groupAlive(group),
        15_000,
        () => `every process of "${r.spec.command}" to end`,
      );
      if (r.spec.command === 'npm start') expect(r.output).toContain('stopped cleanly');
    }
  }, 300_000);
});
