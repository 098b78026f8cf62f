/** @module Per-request values the HTTP edge attaches to Fastify requests (auth, header lookup). */
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../../dispatch/auth-context.js';
import { QUERY_HEADERS, type HeaderLookup } from '../command-options.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | undefined;
    correlationId: string;
  }
}

const QUERY_HEADER_SET: ReadonlySet<string> = new Set(QUERY_HEADERS);

export function queryParams(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/** Looks a Ditto header up in the query string first, then in the request headers. */
export function headerLookup(request: FastifyRequest, query: URLSearchParams): HeaderLookup {
  return (name) => {
    if (QUERY_HEADER_SET.has(name)) {
      const q = query.get(name);
      if (q !== null) return q;
    }
    const h = request.headers[name];
    return Array.isArray(h) ? h.join(',') : h;
  };
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new Error('route reached without authentication');
  return request.auth;
}

/** Path segments below a prefix, percent-decoded; undefined when the encoding is broken. */
export function pathSegments(request: FastifyRequest, prefixSegments: number): string[] | undefined {
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    return path
      .split('/')
      .slice(prefixSegments + 1)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
