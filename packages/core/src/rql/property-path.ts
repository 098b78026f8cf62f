/**
 * @module Resolving an RQL property against a target (thing JSON plus `_namespace`, `_revision`,
 * `_created`, `_modified`, `_metadata`), with the array semantics of Ditto's search.
 */

/** The object a filter is evaluated against: thing JSON plus the special fields, filled in by the caller. */
export type RqlTarget = { readonly [key: string]: unknown };

/** Returns every value the path reaches; empty when it reaches nothing. */
export type PropertyResolver = (target: RqlTarget) => readonly unknown[];

type Obj = { readonly [key: string]: unknown };

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `namespace` is Ditto's alias of `_namespace`; everything else is a path into the target. */
export function propertySegments(property: string): readonly string[] {
  if (property === 'namespace') return ['_namespace'];
  return property.split('/');
}

/**
 * Compiles a property into a resolver, once per filter. The walk follows Ditto: an array met on
 * the way is entered element-wise (its object elements; `attributes/items/name` reaches the
 * `name` of every item), while an array at the end is returned whole so comparisons can look
 * inside it. `features/*` stands for every feature, as in Ditto's search.
 */
export function compilePropertyResolver(property: string): PropertyResolver {
  const segments = propertySegments(property);
  const featureWildcard = segments.length > 1 && segments[0] === 'features' && segments[1] === '*';
  const first = segments[0] as string;
  if (segments.length === 1) {
    return (target) => (Object.hasOwn(target, first) && target[first] !== undefined ? [target[first]] : []);
  }
  return (target) => {
    let current: unknown[] = [target];
    for (let i = 0; i < segments.length && current.length > 0; i++) {
      const next: unknown[] = [];
      const wildcard = featureWildcard && i === 1;
      const key = segments[i] as string;
      for (const value of current) {
        if (isObject(value)) step(value, key, wildcard, next);
        else if (Array.isArray(value)) {
          for (const element of value as readonly unknown[])
            if (isObject(element)) step(element, key, wildcard, next);
        }
      }
      current = next;
    }
    return current;
  };
}

function step(obj: Obj, key: string, wildcard: boolean, into: unknown[]): void {
  if (wildcard) {
    for (const k of Object.keys(obj)) if (obj[k] !== undefined) into.push(obj[k]);
  } else if (Object.hasOwn(obj, key) && obj[key] !== undefined) {
    into.push(obj[key]);
  }
}

/**
 * Whether any scalar among the reached values satisfies `test`; arrays are searched element by
 * element at any depth (Ditto matches `eq(attributes/tags,"a")` against `tags: ["a","b"]`),
 * objects never match a scalar. Iterative, so deeply nested arrays cannot overflow the stack.
 */
export function someScalar(
  reached: readonly unknown[],
  test: (value: string | number | boolean | null) => boolean,
): boolean {
  const pending: unknown[] = [];
  for (let i = reached.length - 1; i >= 0; i--) pending.push(reached[i]);
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push((value as readonly unknown[])[i]);
    } else if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      if (test(value)) return true;
    }
  }
  return false;
}

/** Ditto's notion of empty: null, "", [] and {}; 0 and false are values. */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  return false;
}
