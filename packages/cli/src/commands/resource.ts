/**
 * @module get / set / delete of one part of a Thing (attributes, features, properties): the three
 * requests that `attr`, `feature` and `prop` share, differing only in the path below the Thing.
 */
import type { JsonValue } from '@egiz/core';
import type { Context } from '../context.js';
import { reportWrite, requestHeaders, requestQuery, thingPath, type RequestFlags } from './common.js';

export interface ResourceRef {
  readonly thingId: string;
  /** Path segments below the Thing, e.g. ['features', 'lamp', 'properties', 'on']. */
  readonly segments: readonly string[];
}

function label(ref: ResourceRef): string {
  return `${ref.thingId} /${ref.segments.join('/')}`;
}

export async function getResource(ctx: Context, ref: ResourceRef, flags: RequestFlags): Promise<void> {
  const res = await ctx.client().request({
    method: 'GET',
    path: thingPath(ref.thingId, ...ref.segments),
    query: requestQuery(flags),
    headers: requestHeaders(flags),
  });
  await ctx.print(res.body, 'json');
}

export async function putResource(
  ctx: Context,
  ref: ResourceRef,
  value: JsonValue,
  flags: RequestFlags,
): Promise<void> {
  const res = await ctx.client().request({
    method: 'PUT',
    path: thingPath(ref.thingId, ...ref.segments),
    query: requestQuery(flags),
    headers: requestHeaders(flags),
    body: value,
  });
  await reportWrite(ctx, res, label(ref));
}

export async function deleteResource(ctx: Context, ref: ResourceRef, flags: RequestFlags): Promise<void> {
  const res = await ctx.client().request({
    method: 'DELETE',
    path: thingPath(ref.thingId, ...ref.segments),
    query: requestQuery(flags),
    headers: requestHeaders(flags),
  });
  await reportWrite(ctx, res, label(ref), 'deleted');
}
