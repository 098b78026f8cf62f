/**
 * @module Closed-loop HTTP/1.1 load generator: N persistent (keep-alive) connections, each sending its
 * next request only when the previous one was answered, every latency recorded from just before
 * the write to the last byte of the answer (process.hrtime.bigint) into a Histogram.
 *
 * The default client speaks HTTP/1.1 directly on a net.Socket with a minimal response parser
 * (status line, Content-Length or chunked body): on a 2-core machine the generator shares the CPU
 * with the server, and this client costs a fraction of node:http's. `client: 'http'` uses
 * node:http with a keep-alive Agent instead, to cross-check that the raw client measures the same.
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { setTimeout, clearTimeout } from 'node:timers';
import http from 'node:http';
import net from 'node:net';
import { Histogram } from './histogram.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_ERROR_SAMPLES = 5;

/**
 * @typedef {{ method: string, path: string, body?: string, contentType?: string, headers?: Record<string, string> }} BenchRequest
 * @typedef {{
 *   port: number, host?: string, connections: number,
 *   request: (seq: number, conn: number) => BenchRequest | null,
 *   durationMs?: number, warmupMs?: number, total?: number,
 *   headers?: Record<string, string>, client?: 'raw' | 'http',
 *   onMeasureStart?: () => void, onMeasureEnd?: () => void, signal?: AbortSignal,
 * }} LoadSpec
 * @typedef {{
 *   requests: number, errors: number, seconds: number, throughput: number,
 *   statuses: Record<string, number>, errorSamples: string[], latency: ReturnType<Histogram['summaryMs']>,
 *   histogram: Histogram, warmupRequests: number,
 * }} LoadResult
 */

/** Serialises a request for the raw client. */
function encode(req, fixedHeaders) {
  let head = `${req.method} ${req.path} HTTP/1.1\r\n${fixedHeaders}`;
  if (req.headers) for (const [k, v] of Object.entries(req.headers)) head += `${k}: ${v}\r\n`;
  if (req.body === undefined) return head + '\r\n';
  return (
    head +
    `content-type: ${req.contentType ?? 'application/json'}\r\ncontent-length: ${Buffer.byteLength(req.body)}\r\n\r\n` +
    req.body
  );
}

/**
 * Parses one response from the start of buf.
 * @returns {{ status: number, end: number, close: boolean, bodyStart: number, bodyEnd: number } | null}
 *   null when more bytes are needed.
 */
export function parseResponse(buf) {
  const headEnd = buf.indexOf(CRLFCRLF);
  if (headEnd < 0) return null;
  const status = (buf[9] - 48) * 100 + (buf[10] - 48) * 10 + (buf[11] - 48);
  const head = buf.toString('latin1', 0, headEnd).toLowerCase();
  const close = /\r\nconnection:\s*close/.test(head);
  const bodyStart = headEnd + 4;
  if (status === 204 || status === 304 || (status >= 100 && status < 200))
    return { status, end: bodyStart, close, bodyStart, bodyEnd: bodyStart };
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return buf.length >= end ? { status, end, close, bodyStart, bodyEnd: end } : null;
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunk size');
      at = lineEnd + 2 + size + 2;
      if (buf.length < at) return null;
      if (size === 0) return { status, end: at, close, bodyStart, bodyEnd: at };
    }
  }
  throw new Error(`response without length (status ${status}); the generator needs keep-alive answers`);
}

/** One raw keep-alive connection; `send` resolves with the answer's status and body. */
class RawConnection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = undefined;
    this.buf = undefined;
    this.pending = undefined;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
      const fail = (e) => {
        socket.destroy();
        reject(e);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        this.socket = socket;
        this.buf = undefined;
        socket.on('data', (chunk) => this.#onData(chunk));
        socket.on('error', (e) => this.#fail(e));
        socket.on('close', () => this.#fail(new Error('connection closed by the server')));
        resolve();
      });
    });
  }

  #fail(e) {
    this.socket = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  #onData(chunk) {
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.pending) return;
    let parsed;
    try {
      parsed = parseResponse(this.buf);
    } catch (e) {
      this.socket?.destroy();
      this.#fail(e);
      return;
    }
    if (!parsed) return;
    const body = this.buf.subarray(parsed.bodyStart, parsed.bodyEnd);
    this.buf = parsed.end < this.buf.length ? this.buf.subarray(parsed.end) : undefined;
    const p = this.pending;
    this.pending = undefined;
    if (parsed.close) {
      this.socket?.destroy();
      this.socket = undefined;
    }
    p.resolve({ status: parsed.status, body });
  }

  async send(text) {
    if (!this.socket) await this.connect();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(text);
    });
  }

  close() {
    this.socket?.removeAllListeners('close');
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** The same contract on node:http with a keep-alive Agent. */
class AgentConnection {
  constructor(host, port, agent) {
    this.host = host;
    this.port = port;
    this.agent = agent;
  }

  send(req, headers) {
    return new Promise((resolve, reject) => {
      const h = { ...headers, ...req.headers };
      if (req.body !== undefined) {
        h['content-type'] = req.contentType ?? 'application/json';
        h['content-length'] = String(Buffer.byteLength(req.body));
      }
      const r = http.request(
        {
          host: this.host,
          port: this.port,
          method: req.method,
          path: req.path,
          headers: h,
          agent: this.agent,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  close() {}
}

/**
 * Runs a closed loop. Timed (durationMs, with an unrecorded warm-up of warmupMs first) or counted
 * (total requests, all recorded; `request` may also end the run by returning null).
 * @param {LoadSpec} spec
 * @returns {Promise<LoadResult>}
 */
export async function runHttpLoad(spec) {
  const host = spec.host ?? '127.0.0.1';
  const headers = { host: `${host}:${spec.port}`, ...spec.headers };
  const fixed = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const agent =
    spec.client === 'http'
      ? new http.Agent({ keepAlive: true, maxSockets: spec.connections, maxFreeSockets: spec.connections })
      : undefined;
  const hist = new Histogram();
  const statuses = {};
  const errorSamples = [];
  let errors = 0;
  let seq = 0;
  let recording = spec.total !== undefined || !spec.warmupMs;
  let stopping = false;
  let warmupRequests = 0;
  let measureStart = process.hrtime.bigint();
  let measureEnd = 0n;
  let aborted;

  const noteError = (text) => {
    errors += 1;
    if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(text);
  };

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
  };

  const timers = [];
  if (spec.total === undefined) {
    const duration = spec.durationMs ?? 5000;
    if (spec.warmupMs) {
      timers.push(setTimeout(startMeasuring, spec.warmupMs));
      timers.push(setTimeout(stopMeasuring, spec.warmupMs + duration));
    } else {
      startMeasuring();
      timers.push(setTimeout(stopMeasuring, duration));
    }
  } else {
    startMeasuring();
  }
  const onAbort = () => {
    aborted = spec.signal?.reason ?? new Error('aborted');
    stopMeasuring();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });

  const loop = async (c) => {
    const conn = agent ? new AgentConnection(host, spec.port, agent) : new RawConnection(host, spec.port);
    try {
      while (!stopping) {
        const n = seq;
        if (spec.total !== undefined && n >= spec.total) break;
        const req = spec.request(n, c);
        if (!req) break;
        seq += 1;
        const t0 = process.hrtime.bigint();
        let answer;
        try {
          answer = agent ? await conn.send(req, headers) : await conn.send(encode(req, fixed));
        } catch (e) {
          if (stopping) break;
          noteError(`${req.method} ${req.path}: ${e instanceof Error ? e.message : String(e)}`);
          // A refused reconnect means the server is gone: this connection stops.
          if (conn instanceof RawConnection) {
            try {
              await conn.connect();
            } catch {
              break;
            }
          }
          continue;
        }
        const t1 = process.hrtime.bigint();
        if (!recording) {
          warmupRequests += 1;
        } else if (!stopping || spec.total !== undefined) {
          hist.record(Number(t1 - t0));
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          if (answer.status < 200 || answer.status > 299)
            noteError(
              `${req.method} ${req.path} -> ${answer.status} ${answer.body.toString('utf8').slice(0, 300)}`,
            );
        }
      }
    } finally {
      conn.close();
    }
  };

  await Promise.all(Array.from({ length: spec.connections }, (_, c) => loop(c)));
  for (const t of timers) clearTimeout(t);
  spec.signal?.removeEventListener('abort', onAbort);
  if (spec.total !== undefined || measureEnd === 0n) stopMeasuring();
  agent?.destroy();
  if (aborted) throw aborted instanceof Error ? aborted : new Error(String(aborted));
  const seconds = Number(measureEnd - measureStart) / 1e9;
  return {
    requests: hist.count,
    errors,
    seconds,
    throughput: seconds > 0 ? hist.count / seconds : 0,
    statuses,
    errorSamples,
    latency: hist.summaryMs(),
    histogram: hist,
    warmupRequests,
  };
}

/**
 * One request outside any load run (setup, probes, sanity checks), on a fresh connection.
 * @returns {Promise<{ status: number, body: string, headers: http.IncomingHttpHeaders }>}
 */
export function httpOnce(port, req, headers = {}, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const h = { ...headers, ...req.headers };
    if (req.body !== undefined) {
      h['content-type'] = req.contentType ?? 'application/json';
      h['content-length'] = String(Buffer.byteLength(req.body));
    }
    const r = http.request(
      { host, port, method: req.method, path: req.path, headers: h, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}
