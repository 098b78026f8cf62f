/**
 * @module Pipelined WebSocket load generator: S sessions, each keeping W messages in flight (it sends
 * the next one as soon as an answer arrives), answers matched to requests by correlation-id,
 * latency from send to answer into a Histogram. Used for Ditto Protocol commands on Egiz's /ws/2
 * and, unchanged, on the echo baseline.
 */
import process from 'node:process';
import { setTimeout, clearTimeout } from 'node:timers';
import { Histogram } from './histogram.js';
import { loadWs } from './server-deps.js';

/**
 * @typedef {{
 *   url: string, headers?: Record<string, string>, sessions: number, window: number,
 *   message: (seq: number, session: number) => { id: string, text: string },
 *   parse: (text: string) => { id: string | undefined, ok: boolean },
 *   durationMs: number, warmupMs?: number,
 *   onMeasureStart?: () => void, onMeasureEnd?: () => void, signal?: AbortSignal,
 * }} WsLoadSpec
 */

/** Opens a WebSocket; rejects with the HTTP status when the upgrade is refused. */
export function openWs(url, headers = {}) {
  const { WebSocket } = loadWs();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      const e = new Error(`upgrade refused with HTTP ${res.statusCode}`);
      e.status = res.statusCode;
      ws.terminate();
      reject(e);
    });
    ws.once('error', reject);
  });
}

/**
 * Whether a WebSocket endpoint exists: true, or the reason it does not.
 * @returns {Promise<true | string>}
 */
export async function probeWs(url, headers) {
  try {
    const ws = await openWs(url, headers);
    ws.close();
    return true;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** @param {WsLoadSpec} spec */
export async function runWsLoad(spec) {
  const hist = new Histogram();
  const errorSamples = [];
  let errors = 0;
  let seq = 0;
  let recording = !spec.warmupMs;
  let stopping = false;
  let measureStart = process.hrtime.bigint();
  let measureEnd = 0n;
  let warmupRequests = 0;
  const sockets = await Promise.all(
    Array.from({ length: spec.sessions }, () => openWs(spec.url, spec.headers)),
  );

  const startMeasuring = () => {
    recording = true;
    measureStart = process.hrtime.bigint();
    spec.onMeasureStart?.();
  };
  const stopMeasuring = () => {
    if (stopping) return;
    stopping = true;
    measureEnd = process.hrtime.bigint();
    spec.onMeasureEnd?.();
    // Answers still missing after this are lost: the sessions are cut so that the run ends.
    timers.push(setTimeout(() => sockets.forEach((ws) => ws.terminate()), 5000));
  };
  const timers = [];
  if (spec.warmupMs) {
    timers.push(setTimeout(startMeasuring, spec.warmupMs));
    timers.push(setTimeout(stopMeasuring, spec.warmupMs + spec.durationMs));
  } else {
    startMeasuring();
    timers.push(setTimeout(stopMeasuring, spec.durationMs));
  }
  let aborted;
  const onAbort = () => {
    aborted = spec.signal?.reason ?? new Error('aborted');
    stopMeasuring();
    for (const ws of sockets) ws.terminate();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });

  const session = (ws, s) =>
    new Promise((resolve) => {
      const inflight = new Map();
      const sendNext = () => {
        const m = spec.message(seq++, s);
        inflight.set(m.id, process.hrtime.bigint());
        ws.send(m.text);
      };
      const finish = () => {
        ws.removeAllListeners('message');
        ws.close();
        resolve();
      };
      ws.on('message', (data) => {
        const t1 = process.hrtime.bigint();
        const text = data.toString();
        let answer;
        try {
          answer = spec.parse(text);
        } catch {
          answer = { id: undefined, ok: false };
        }
        const t0 = answer.id === undefined ? undefined : inflight.get(answer.id);
        if (t0 === undefined) return; // an event or an answer to someone else
        inflight.delete(answer.id);
        if (!recording) warmupRequests += 1;
        else if (!stopping) {
          hist.record(Number(t1 - t0));
          if (!answer.ok) {
            errors += 1;
            if (errorSamples.length < 5) errorSamples.push(text.slice(0, 300));
          }
        }
        if (!stopping) sendNext();
        else if (inflight.size === 0) finish();
      });
      ws.on('close', () => resolve());
      ws.on('error', (e) => {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push(String(e));
      });
      for (let i = 0; i < spec.window; i++) sendNext();
    });

  await Promise.all(sockets.map((ws, s) => session(ws, s)));
  for (const t of timers) clearTimeout(t);
  spec.signal?.removeEventListener('abort', onAbort);
  if (aborted) throw aborted instanceof Error ? aborted : new Error(String(aborted));
  const seconds = Number(measureEnd - measureStart) / 1e9;
  return {
    requests: hist.count,
    errors,
    seconds,
    throughput: seconds > 0 ? hist.count / seconds : 0,
    statuses: {},
    errorSamples,
    latency: hist.summaryMs(),
    histogram: hist,
    warmupRequests,
  };
}
