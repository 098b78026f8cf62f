/**
 * @module Resource use of a child process from /proc (Linux): CPU as the delta of utime+stime
 * (all threads: event loop, libuv pool, GC) over a window, RSS from VmRSS sampled during it.
 * The generator's own CPU comes from process.cpuUsage() over the same window, the machine's from
 * /proc/stat, so that what other processes took (noise) is visible too.
 */
import process from 'node:process';
import { setInterval, clearInterval } from 'node:timers';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks;

/** USER_HZ, the unit of utime/stime (100 on every mainstream Linux). */
export function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) the process has used so far, or undefined once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/** Resident set size in MB (VmRSS), or undefined once the process is gone. */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat, or undefined off Linux. */
export function machineBusySeconds() {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...: interrupt work (loopback networking
    // runs in softirq) belongs to no process, so it is left out; steal (the hypervisor's) is noise.
    const [, user, nice, system, , , , , steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (steal ?? 0)) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/**
 * Measures a window: start() and stop() bracket it; RSS is sampled every `everyMs` in between.
 * CPU percentages are of ONE core (200 % = both cores of a 2-core machine).
 */
export class ProcSampler {
  constructor(pid, everyMs = 100) {
    this.pid = pid;
    this.everyMs = everyMs;
    this.result = undefined;
  }

  start() {
    this.t0 = process.hrtime.bigint();
    this.cpu0 = cpuSeconds(this.pid) ?? 0;
    this.client0 = process.cpuUsage();
    this.machine0 = machineBusySeconds();
    this.rssPeak = rssMb(this.pid) ?? 0;
    this.rssSum = this.rssPeak;
    this.rssSamples = 1;
    this.timer = setInterval(() => {
      const r = rssMb(this.pid);
      if (r === undefined) return;
      this.rssPeak = Math.max(this.rssPeak, r);
      this.rssSum += r;
      this.rssSamples += 1;
    }, this.everyMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer === undefined) return this.result;
    clearInterval(this.timer);
    this.timer = undefined;
    const seconds = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const cpu1 = cpuSeconds(this.pid);
    const client = process.cpuUsage(this.client0);
    const rssEnd = rssMb(this.pid);
    const machine1 = machineBusySeconds();
    const round1 = (x) => Math.round(x * 10) / 10;
    const serverCpuPct =
      cpu1 === undefined || seconds <= 0 ? null : round1(((cpu1 - this.cpu0) / seconds) * 100);
    const clientCpuPct = seconds <= 0 ? null : round1(((client.user + client.system) / 1e6 / seconds) * 100);
    const machineCpuPct =
      machine1 === undefined || this.machine0 === undefined || seconds <= 0
        ? null
        : round1(((machine1 - this.machine0) / seconds) * 100);
    this.result = {
      seconds,
      serverCpuPct,
      clientCpuPct,
      machineCpuPct,
      // Everything else on the machine in the window: other processes, the kernel's own work.
      otherCpuPct:
        machineCpuPct === null || serverCpuPct === null || clientCpuPct === null
          ? null
          : round1(Math.max(0, machineCpuPct - serverCpuPct - clientCpuPct)),
      rssPeakMb: round1(Math.max(this.rssPeak, rssEnd ?? 0)),
      rssMeanMb: round1(this.rssSum / this.rssSamples),
      rssEndMb: rssEnd === undefined ? null : round1(rssEnd),
    };
    return this.result;
  }
}
