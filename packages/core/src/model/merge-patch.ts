/**
 * @module JSON merge patch (RFC 7396) with Ditto's extension: a key of the form `{{ ~regex~ }}`
 * (or `{{ /regex/ }}`) whose value is null removes every key at that level matching the regex,
 * before the rest of the patch is applied.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

const REGEX_KEY = /^\{\{\s*([~/])(.*)\1\s*\}\}$/s;

/** The regex of a Ditto `{{ ~re~ }}` key, undefined for an ordinary key; throws on an invalid regex. */
export function regexOfPatchKey(key: string): RegExp | undefined {
  const m = REGEX_KEY.exec(key);
  if (!m) return undefined;
  return new RegExp(m[2] ?? '');
}

/**
 * Applies patch to target. Returns undefined when the result is "deleted" (patch is null).
 * Never mutates its inputs.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue | undefined {
  if (!isJsonObject(patch)) return patch === null ? undefined : patch;
  const base: JsonObject = isJsonObject(target) ? { ...target } : {};
  // Regex removals first, so that explicit keys of the same patch can add values back.
  for (const key of Object.keys(patch)) {
    if (patch[key] !== null) continue;
    const re = regexOfPatchKey(key);
    if (!re) continue;
    for (const existing of Object.keys(base)) if (re.test(existing)) delete base[existing];
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      if (regexOfPatchKey(key) === undefined) delete base[key];
      continue;
    }
    const merged = applyMergePatch(base[key], value);
    if (merged === undefined) delete base[key];
    else base[key] = merged;
  }
  return base;
}

/** Checks every regex key of a patch compiles; returns the offending key or undefined. */
export function invalidRegexKey(patch: JsonValue): string | undefined {
  if (!isJsonObject(patch)) return undefined;
  for (const key of Object.keys(patch)) {
    try {
      regexOfPatchKey(key);
    } catch {
      return key;
    }
    const inner = invalidRegexKey(patch[key] as JsonValue);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/**
 * Reduces a patch to the parts that would change target (Ditto's `if-equal: skip-minimizing-merge`).
 * Returns undefined when nothing would change.
 */
export function minimizeMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue | undefined {
  if (!isJsonObject(patch) || !isJsonObject(target)) {
    const after = applyMergePatch(target, patch);
    return JSON.stringify(after) === JSON.stringify(target) ? undefined : patch;
  }
  const out: JsonObject = {};
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      const re = regexOfPatchKey(key);
      const matches = re ? Object.keys(target).some((k) => re.test(k)) : Object.hasOwn(target, key);
      if (matches) out[key] = null;
      continue;
    }
    const reduced = minimizeMergePatch(target[key], value);
    if (reduced !== undefined) out[key] = reduced;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
