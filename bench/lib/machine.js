/**
 * @module What the numbers were measured on: CPU model and count, memory, kernel, Node, the
 * filesystem the data directories live on (fsync cost decides the write scenarios), and the commit.
 */
import process from 'node:process';
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import { versionOf } from './server-deps.js';
import { REPO_ROOT } from './servers.js';

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The mount that holds `dir` (longest mount point prefix in /proc/mounts). */
export function filesystemOf(dir) {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // keep the path as given
  }
  let best = { mountPoint: '', type: 'unknown', device: 'unknown' };
  for (const line of read('/proc/mounts').split('\n')) {
    const [device, mountPoint, type] = line.split(' ');
    if (!mountPoint || !type) continue;
    const inside =
      real === mountPoint || real.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
    if (inside && mountPoint.length >= best.mountPoint.length)
      best = { mountPoint, type, device: device ?? '' };
  }
  return best;
}

function git(args) {
  try {
    return execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(dataRoot) {
  const cpuinfo = read('/proc/cpuinfo');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1];
  const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(read('/proc/meminfo'))?.[1] ?? 0);
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpuModel: model,
    cpuMhz: mhz ? Math.round(Number(mhz)) : undefined,
    cores: os.availableParallelism(),
    memoryGb: Math.round((memTotalKb / 1024 / 1024) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    fastify: versionOf('fastify'),
    betterSqlite3: versionOf('better-sqlite3'),
    ws: versionOf('ws'),
    dataFilesystem: filesystemOf(dataRoot),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    git: commit ? `${commit}${dirty ? ' (with uncommitted changes)' : ''}` : undefined,
  };
}
