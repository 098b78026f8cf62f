/**
 * @module What one subscription wants, compiled once when it starts: namespaces, an RQL filter
 * (a compiled predicate), extraFields (field pointers, `{{ feature:id }}` placeholders allowed),
 * and for SSE a set of Thing IDs and a resource path. Parsing problems are DittoErrors so every
 * edge can report them in its own wire form.
 */
import {
  DittoError,
  FieldSelectorError,
  RqlSyntaxError,
  compileRqlPredicate,
  parseFieldSelector,
  parseRql,
  type Pointer,
  type RqlPredicate,
} from '@egiz/core';

export interface StreamSelectorSpec {
  readonly namespaces?: readonly string[];
  readonly filter?: string;
  readonly extraFields?: string;
  /** SSE: only these Things. */
  readonly thingIds?: readonly string[];
  /** SSE on a sub-resource: only events at, above or below this pointer. */
  readonly pointer?: Pointer;
}

export interface StreamSelector {
  readonly namespaces?: ReadonlySet<string>;
  readonly thingIds?: ReadonlySet<string>;
  readonly pointer?: Pointer;
  readonly filter?: RqlPredicate;
  readonly filterText?: string;
  readonly extraFields?: readonly Pointer[];
}

const FEATURE_PLACEHOLDER = /^\{\{\s*feature:id\s*\}\}$/;

export function compileFilter(filter: string, clock: () => Date): RqlPredicate {
  try {
    return compileRqlPredicate(parseRql(filter), { now: clock });
  } catch (e) {
    if (e instanceof RqlSyntaxError)
      throw new DittoError('rql.expression.invalid', `The filter '${filter}' is not valid: ${e.message}`);
    throw e;
  }
}

export function parseExtraFields(text: string): Pointer[] {
  try {
    return parseFieldSelector(text);
  } catch (e) {
    if (e instanceof FieldSelectorError)
      throw new DittoError(
        'json.fieldselector.invalid',
        `The extraFields <${text}> are not valid: ${e.message}.`,
      );
    throw e;
  }
}

export function compileSelector(spec: StreamSelectorSpec, clock: () => Date): StreamSelector {
  const extra =
    spec.extraFields !== undefined && spec.extraFields !== ''
      ? parseExtraFields(spec.extraFields)
      : undefined;
  return {
    ...(spec.namespaces && spec.namespaces.length > 0 ? { namespaces: new Set(spec.namespaces) } : {}),
    ...(spec.thingIds && spec.thingIds.length > 0 ? { thingIds: new Set(spec.thingIds) } : {}),
    ...(spec.pointer && spec.pointer.length > 0 ? { pointer: spec.pointer } : {}),
    ...(spec.filter !== undefined && spec.filter !== ''
      ? { filter: compileFilter(spec.filter, clock), filterText: spec.filter }
      : {}),
    ...(extra ? { extraFields: extra } : {}),
  };
}

/** Whether two pointers lie on one path (one is a prefix of the other). */
export function onSamePath(a: Pointer, b: Pointer): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The cheap checks that need no policy and no state: namespace, Thing ID, path. */
export function selectsEntity(
  s: StreamSelector,
  thingId: string,
  namespace: string,
  pointer?: Pointer,
): boolean {
  if (s.namespaces && !s.namespaces.has(namespace)) return false;
  if (s.thingIds && !s.thingIds.has(thingId)) return false;
  if (s.pointer && pointer && !onSamePath(s.pointer, pointer)) return false;
  return true;
}

/** extraFields with `{{ feature:id }}` replaced by the feature an event touches (dropped if none). */
export function resolveExtraFields(fields: readonly Pointer[], featureId: string | undefined): Pointer[] {
  const out: Pointer[] = [];
  for (const p of fields) {
    if (!p.some((s) => FEATURE_PLACEHOLDER.test(s))) {
      out.push(p);
      continue;
    }
    if (featureId === undefined) continue;
    out.push(p.map((s) => (FEATURE_PLACEHOLDER.test(s) ? featureId : s)));
  }
  return out;
}
