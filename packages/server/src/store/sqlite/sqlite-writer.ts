/**
 * @module The SQLite writer thread: a worker_thread with its own connection to the store file that
 * applies each batch of write plans in one transaction (statements, WAL frames, fsync and
 * checkpoints), so that the main thread keeps parsing, deciding and answering requests while a
 * group commit is on its way to the disk. A batch is answered only after its COMMIT returned, i.e.
 * when it is durable (synchronous=FULL by default), exactly as with the in-thread executor.
 *
 * The worker's source is the text of `createPlanExecutor` and `createReaderSets` plus a small message loop (eval'd), so it
 * runs the same code as the in-thread path and needs no separate build output.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { createPlanExecutor, createReaderSets, type WritePlan } from './write-plan.js';

export interface WriterOptions {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly cacheKiB: number;
  /** WAL pages after which a commit checkpoints (see WAL_AUTOCHECKPOINT in sqlite-store.ts). */
  readonly autocheckpoint: number;
}

type Reply =
  /** `durable`: `process.hrtime()` in the worker right after COMMIT (one monotonic clock for all threads). */
  | { readonly id: number; readonly conflicts: number[]; readonly durable: [number, number] }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: string } }
  | { readonly ready: true }
  | { readonly ready: false; readonly error: { readonly message: string; readonly code?: string } };

/** A batch applied by the thread: the refused positions and when it was durable. */
export interface WriterResult {
  readonly conflicts: number[];
  /** `performance.now()` of this thread at the moment the worker's COMMIT returned. */
  readonly durableAt: number;
}

interface Waiter {
  readonly resolve: (result: WriterResult) => void;
  readonly reject: (e: Error) => void;
}

/** The message loop of the worker (plain JavaScript, runs as a CommonJS eval'd script). */
const LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
let execute;
try {
  db = new Database(workerData.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = ' + workerData.synchronous);
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -' + workerData.cacheKiB);
  db.pragma('wal_autocheckpoint = ' + workerData.autocheckpoint);
  execute = createPlanExecutor(db);
  parentPort.postMessage({ ready: true });
} catch (e) {
  parentPort.postMessage({ ready: false, error: { message: String(e && e.message), code: e && e.code } });
}
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    try { db && db.close(); } finally { parentPort.close(); }
    return;
  }
  try {
    const conflicts = execute(JSON.parse(msg.plans));
    parentPort.postMessage({ id: msg.id, conflicts, durable: process.hrtime() });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: { message: String(e && e.message), code: e && e.code } });
  }
});
`;

function workerSource(): string {
  return `${LOOP}\n${createReaderSets.toString()}\n${createPlanExecutor.toString()}\n`;
}

function toError(e: { readonly message: string; readonly code?: string }): Error {
  const error = new Error(e.message);
  if (e.code !== undefined) Object.assign(error, { code: e.code });
  return error;
}

export class SqliteWriterThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #next = 1;
  #failed: Error | undefined;
  #exited: Promise<void>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: Reply) => {
      if (!('id' in reply)) return;
      const waiter = this.#waiting.get(reply.id);
      if (!waiter) return;
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) worker.unref();
      if ('error' in reply) waiter.reject(toError(reply.error));
      else {
        // The reply may have waited for this thread's event loop: date the commit back to when
        // the worker finished it (process.hrtime is CLOCK_MONOTONIC, shared by all threads).
        const [s, ns] = process.hrtime(reply.durable);
        const lag = s * 1e3 + ns / 1e6;
        waiter.resolve({ conflicts: reply.conflicts, durableAt: performance.now() - lag });
      }
    });
    const fail = (e: Error) => {
      this.#failed ??= e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
  }

  /** Starts the thread and waits until its connection is open (errors of opening reject). */
  static async start(options: WriterOptions): Promise<SqliteWriterThread> {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(workerSource(), {
      eval: true,
      workerData: { driver, ...options },
      // The worker's own module resolution must not see the parent's execArgv loaders (vitest).
      execArgv: [],
    });
    const ready = await new Promise<Reply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if ('ready' in ready && !ready.ready) {
      await worker.terminate();
      throw toError(ready.error);
    }
    worker.unref();
    return new SqliteWriterThread(worker);
  }

  /** The thread is gone (it crashed, was terminated or closed): no batch can be written any more. */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  /** Ends the thread at once, abandoning what it has not committed (a crash, as far as callers see). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }

  /** Applies the plans in one transaction in the thread; resolves once durable. */
  execute(plans: readonly WritePlan[]): Promise<WriterResult> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<WriterResult>((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      // As one JSON string: about half the cost of the structured clone of the plan objects
      // (postMessage copies a string as it is).
      this.#worker.postMessage({ id, plans: JSON.stringify(plans) });
    });
  }

  /** Closes the thread's connection after the batches already sent, then ends the thread. */
  async close(): Promise<void> {
    if (!this.#failed) {
      this.#worker.ref();
      this.#worker.postMessage('close');
    }
    await this.#exited;
  }
}
