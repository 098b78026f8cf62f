/**
 * @module A small client for Egiz's public HTTP API (Ditto API v2) on Node's global fetch, which
 * keeps connections alive. Every answer >= 400 becomes an ApiError with the Ditto error fields;
 * network failures and timeouts become a NetworkError.
 */
import type { JsonValue } from '@egiz/core';
import { authorizationHeader, type Connection } from '../config/connection.js';
import { ApiError, NetworkError } from '../errors.js';

export interface ApiRequest {
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** Already encoded, starting with `/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** JSON body; `undefined` sends none. */
  readonly body?: JsonValue;
  /** A body sent as it is (with `contentType`, default text/plain), instead of `body`. */
  readonly rawBody?: string;
  /** Defaults to application/json, and to application/merge-patch+json for PATCH. */
  readonly contentType?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body (a string when it is not JSON), or undefined when there is none. */
  readonly body: JsonValue | undefined;
  /** The body as received. */
  readonly text: string;
}

export interface ClientOptions {
  /** Receives one line per request and answer when --verbose is on. */
  readonly trace?: ((line: string) => void) | undefined;
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

function hintFor(status: number, connection: Connection): string | undefined {
  if (status === 401)
    return connection.credentials.kind === 'none'
      ? 'no credentials given: run `egiz login`, or pass --user/--password or --token'
      : `check the credentials (from --user/--password/--token, EGIZ_* variables or profile '${connection.profile}')`;
  return undefined;
}

function parseBody(text: string): JsonValue | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function toApiError(
  status: number,
  statusText: string,
  body: JsonValue | undefined,
  hint?: string,
): ApiError {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && typeof body.error === 'string') {
    const str = (v: JsonValue | undefined) => (typeof v === 'string' ? v : undefined);
    const description = str(body.description);
    const href = str(body.href);
    return new ApiError(
      {
        status,
        error: body.error,
        message: str(body.message) ?? statusText,
        ...(description !== undefined ? { description } : {}),
        ...(href !== undefined ? { href } : {}),
      },
      hint,
    );
  }
  const message = typeof body === 'string' && body.length > 0 ? body.slice(0, 500) : statusText;
  return new ApiError({ status, error: `http:${status}`, message: message || `HTTP ${status}` }, hint);
}

export class EgizClient {
  readonly connection: Connection;
  readonly #trace: ((line: string) => void) | undefined;
  readonly #timeoutMs: number;

  constructor(connection: Connection, options: ClientOptions = {}) {
    this.connection = connection;
    this.#trace = options.trace;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  url(path: string, query: ApiRequest['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    return this.connection.url + path + (qs ? `?${qs}` : '');
  }

  async request(req: ApiRequest): Promise<ApiResponse> {
    const url = this.url(req.path, req.query);
    const headers = new Headers({ accept: 'application/json' });
    const auth = authorizationHeader(this.connection.credentials);
    if (auth) headers.set('authorization', auth);
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers.set(k, v);
    let body: string | undefined;
    if (req.rawBody !== undefined) {
      body = req.rawBody;
      headers.set('content-type', req.contentType ?? 'text/plain; charset=utf-8');
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers.set(
        'content-type',
        req.contentType ?? (req.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'),
      );
    }
    const started = Date.now();
    this.#trace?.(`> ${req.method} ${url}`);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      throw this.#networkError(e);
    }
    const etag = res.headers.get('etag');
    this.#trace?.(
      `< ${res.status} ${res.statusText}${etag ? ` etag ${etag}` : ''} (${Date.now() - started} ms)`,
    );
    const parsed = parseBody(text);
    if (res.status >= 400)
      throw toApiError(res.status, res.statusText, parsed, hintFor(res.status, this.connection));
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /**
   * Opens a long-lived response (e.g. text/event-stream): the timeout covers only the wait for the
   * response head, and `signal` ends the stream. Errors are thrown as for `request`.
   */
  async stream(
    req: ApiRequest & { readonly accept: string; readonly signal?: AbortSignal },
  ): Promise<Response> {
    const url = this.url(req.path, req.query);
    const headers = new Headers({ accept: req.accept });
    const auth = authorizationHeader(this.connection.credentials);
    if (auth) headers.set('authorization', auth);
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers.set(k, v);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new DOMException('timeout', 'TimeoutError')),
      this.#timeoutMs,
    );
    this.#trace?.(`> ${req.method} ${url} (stream)`);
    let res: Response;
    try {
      res = await fetch(url, { method: req.method, headers, signal: controller.signal });
    } catch (e) {
      throw this.#networkError(controller.signal.aborted ? controller.signal.reason : e);
    } finally {
      clearTimeout(timer);
    }
    this.#trace?.(`< ${res.status} ${res.statusText}`);
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      throw toApiError(res.status, res.statusText, parseBody(text), hintFor(res.status, this.connection));
    }
    return res;
  }

  /** The credentials as request headers (for the WebSocket upgrade). */
  authHeaders(): Record<string, string> {
    const auth = authorizationHeader(this.connection.credentials);
    return auth ? { authorization: auth } : {};
  }

  networkError(e: unknown): NetworkError {
    return this.#networkError(e);
  }

  #networkError(e: unknown): NetworkError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError')
      return new NetworkError(`no answer from ${this.connection.url} within ${this.#timeoutMs / 1000} s`);
    const detail = err.cause?.code ?? err.cause?.message ?? err.message;
    return new NetworkError(
      `cannot reach ${this.connection.url} (${detail})`,
      'is the server running? Set the address with --url, EGIZ_URL or `egiz login --url`',
    );
  }
}
