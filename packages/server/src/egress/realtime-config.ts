/**
 * @module Configuration of the realtime surface from the environment (the README table is the
 * reference): bounded queue sizes per consumer, commands in flight per WebSocket session, the
 * largest incoming frame, and the trusted JWT issuers.
 */
import { parseJwtIssuers, type JwtIssuer } from '../auth/jwt/jwt-issuers.js';
import type { OutboxLimits } from './outbox.js';

export interface RealtimeConfig {
  readonly outbox: OutboxLimits;
  readonly maxInFlight: number;
  readonly maxFrameBytes: number;
  readonly closeGraceMs: number;
  readonly jwtIssuers: readonly JwtIssuer[];
}

function int(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
  fail: (message: string) => never,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  return n;
}

export function loadRealtimeConfig(
  env: Record<string, string | undefined>,
  fail: (message: string) => never,
): RealtimeConfig {
  let jwtIssuers: JwtIssuer[];
  try {
    jwtIssuers = parseJwtIssuers(env.EGIZ_JWT_ISSUERS);
  } catch (e) {
    return fail(`EGIZ_JWT_ISSUERS: ${(e as Error).message}`);
  }
  const maxQueued = int(env, 'EGIZ_REALTIME_QUEUE_FRAMES', 1000, 10, 1_000_000, fail);
  const maxQueuedBytes = int(
    env,
    'EGIZ_REALTIME_QUEUE_BYTES',
    8 * 1024 * 1024,
    64 * 1024,
    1024 * 1024 * 1024,
    fail,
  );
  return {
    outbox: { maxQueued, maxQueuedBytes, highWaterBytes: Math.min(1024 * 1024, maxQueuedBytes) },
    maxInFlight: int(env, 'EGIZ_REALTIME_MAX_IN_FLIGHT', 100, 1, 100_000, fail),
    maxFrameBytes: int(env, 'EGIZ_WS_MAX_FRAME_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024, fail),
    closeGraceMs: 5000,
    jwtIssuers,
  };
}
