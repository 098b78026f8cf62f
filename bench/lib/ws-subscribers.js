/**
 * @module Event subscribers for the fan-out scenario, spread over worker threads so that receiving
 * tens of thousands of frames per second does not queue up in the thread that sends the writes
 * and keeps the books. Each worker opens its share of WebSocket sessions, sends START-SEND-EVENTS,
 * and for every event frame records (sequence number, receive time) — `process.hrtime.bigint()`
 * is one monotonic clock for all threads of the process — and posts them in batches. The main
 * thread matches them with the writes' start times.
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { setTimeout, clearTimeout, setInterval, clearInterval } from 'node:timers';
import { URL } from 'node:url';
import { openWs } from './ws-load.js';

const PATH_MARK = Buffer.from('"path":"/features/f/properties/value"');
const VALUE_MARK = Buffer.from('"value":');

/** The sequence number in a delivered event frame, or undefined when the frame is something else. */
export function sequenceOf(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.indexOf(PATH_MARK) < 0) return undefined;
  let i = buf.indexOf(VALUE_MARK);
  if (i < 0) return undefined;
  i += VALUE_MARK.length;
  let n = 0;
  let digits = 0;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : undefined;
}

async function subscribe(url, headers, n) {
  const sockets = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const ws = await openWs(url, headers);
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no START-SEND-EVENTS:ACK within 10 s')), 10000);
          ws.on('message', function ack(data) {
            if (data.toString() !== 'START-SEND-EVENTS:ACK') return;
            clearTimeout(timer);
            ws.off('message', ack);
            resolve();
          });
          ws.send('START-SEND-EVENTS');
        });
        return ws;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/** Worker side: subscribe, record, post batches of [seq, t1 - base] pairs. */
async function runWorker() {
  const { url, headers, count, base } = workerData;
  const baseNs = BigInt(base);
  let sockets = await subscribe(url, headers, count);
  let buf = new Float64Array(8192);
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    const out = buf.slice(0, n);
    n = 0;
    parentPort.postMessage({ kind: 'receipts', data: out }, [out.buffer]);
  };
  const onMessage = (data) => {
    const t1 = process.hrtime.bigint();
    const seq = sequenceOf(data);
    if (seq === undefined) return;
    if (n + 2 > buf.length) {
      const bigger = new Float64Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    buf[n++] = seq;
    buf[n++] = Number(t1 - baseNs);
  };
  for (const ws of sockets) ws.on('message', onMessage);
  const timer = setInterval(flush, 20);
  parentPort.on('message', (m) => {
    if (m.kind === 'keep') {
      for (const ws of sockets.slice(m.count)) ws.terminate();
      sockets = sockets.slice(0, m.count);
      parentPort.postMessage({ kind: 'kept' });
    } else if (m.kind === 'flush') {
      flush();
      parentPort.postMessage({ kind: 'flushed' });
    } else if (m.kind === 'close') {
      clearInterval(timer);
      flush();
      for (const ws of sockets) ws.terminate();
      parentPort.postMessage({ kind: 'closed' });
    }
  });
  parentPort.postMessage({ kind: 'ready' });
}

/**
 * Main side: `count` subscribers over `threads` workers. `onReceipt(seq, t1Ns)` is called for every
 * event frame received, with t1 on the process's hrtime clock.
 */
export class SubscriberPool {
  static async open({ url, headers, count, threads, onReceipt }) {
    const base = process.hrtime.bigint();
    const pool = new SubscriberPool(base, onReceipt);
    const per = Math.ceil(count / threads);
    const started = [];
    for (let i = 0, left = count; i < threads && left > 0; i++, left -= per) {
      const worker = new Worker(new URL(import.meta.url), {
        workerData: { url, headers, count: Math.min(per, left), base: String(base) },
      });
      pool.workers.push(worker);
      worker.on('message', (m) => {
        if (m.kind === 'receipts') pool.#receipts(m.data);
      });
      started.push(pool.#reply(worker, 'ready'));
    }
    await Promise.all(started);
    return pool;
  }

  constructor(base, onReceipt) {
    this.base = base;
    this.onReceipt = onReceipt;
    this.workers = [];
  }

  #receipts(data) {
    for (let i = 0; i < data.length; i += 2) this.onReceipt(data[i], this.base + BigInt(data[i + 1]));
  }

  #reply(worker, kind) {
    return new Promise((resolve, reject) => {
      const on = (m) => {
        if (m.kind !== kind) return;
        worker.off('message', on);
        resolve();
      };
      worker.on('message', on);
      worker.once('error', reject);
    });
  }

  /** Waits until every receipt recorded so far reached the main thread. */
  async flush() {
    await Promise.all(
      this.workers.map((w) => {
        const p = this.#reply(w, 'flushed');
        w.postMessage({ kind: 'flush' });
        return p;
      }),
    );
  }

  /** Keeps only the first `count` subscribers (in the first worker), closing the others. */
  async keep(count) {
    await Promise.all(
      this.workers.map((w, i) => {
        const p = this.#reply(w, 'kept');
        w.postMessage({ kind: 'keep', count: i === 0 ? count : 0 });
        return p;
      }),
    );
  }

  async close() {
    await Promise.all(
      this.workers.map(async (w) => {
        const p = this.#reply(w, 'closed');
        w.postMessage({ kind: 'close' });
        await p;
        await w.terminate();
      }),
    );
  }
}

if (!isMainThread && workerData?.url !== undefined) void runWorker();
