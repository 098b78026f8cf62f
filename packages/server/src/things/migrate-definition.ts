/**
 * @module POST /things/{id}/migrateDefinition (Ditto 3.7+): the merge patch that moves a Thing to a
 * new definition — `definition` plus the migration payload, with `{{ thing-json:<pointer> }}`
 * placeholders resolved against the current Thing and parts dropped whose patch condition fails.
 * Pure; the dispatcher applies the patch as a merge (or only returns it for a dry run).
 */
import {
  DittoError,
  RqlSyntaxError,
  compileRqlPredicate,
  deleteAt,
  getAt,
  isDefinitionIdentifier,
  isJsonObject,
  parsePointer,
  parseRql,
  type JsonObject,
  type JsonValue,
} from '@egiz/core';

export interface MigrationRequest {
  readonly thingDefinitionUrl: string;
  readonly migrationPayload?: JsonObject;
  readonly patchConditions?: Readonly<Record<string, string>>;
  readonly initializeMissingPropertiesFromDefaults?: boolean;
}

const SINGLE = /^\s*(?:\{\{\s*thing-json:([^}|]+?)\s*\}\}|\$\{\s*thing-json:([^}|]+?)\s*\})\s*$/;
const ANY = /\{\{\s*thing-json:([^}|]+?)\s*\}\}|\$\{\s*thing-json:([^}|]+?)\s*\}/g;

function invalid(message: string): DittoError {
  return new DittoError('things:thing.invalid', message);
}

export function parseMigrationRequest(body: JsonValue | undefined): MigrationRequest {
  if (!isJsonObject(body)) throw invalid('The migration request must be a JSON object.');
  const url = body.thingDefinitionUrl;
  if (typeof url !== 'string' || !isDefinitionIdentifier(url))
    throw new DittoError(
      'things:definition.identifier.invalid',
      'thingDefinitionUrl must be a definition identifier or an http(s) URL.',
    );
  if (body.migrationPayload !== undefined && !isJsonObject(body.migrationPayload))
    throw invalid('migrationPayload must be an object.');
  const conditions = body.patchConditions;
  if (
    conditions !== undefined &&
    (!isJsonObject(conditions) || !Object.values(conditions).every((v) => typeof v === 'string'))
  )
    throw invalid('patchConditions must map resource paths to RQL strings.');
  const init = body.initializeMissingPropertiesFromDefaults;
  if (init !== undefined && typeof init !== 'boolean')
    throw invalid('initializeMissingPropertiesFromDefaults must be a boolean.');
  if (init === true)
    throw new DittoError(
      'things:thing.invalid',
      'initializeMissingPropertiesFromDefaults is not supported: Egiz does not fetch Thing Models.',
    );
  return {
    thingDefinitionUrl: url,
    ...(isJsonObject(body.migrationPayload) ? { migrationPayload: body.migrationPayload } : {}),
    ...(conditions !== undefined ? { patchConditions: conditions as Record<string, string> } : {}),
  };
}

function lookup(thing: JsonObject, pointerText: string): JsonValue {
  const pointer = parsePointer(pointerText.trim());
  const value = pointer ? getAt(thing, pointer) : undefined;
  if (value === undefined)
    throw invalid(`The placeholder thing-json:${pointerText} names nothing in the Thing.`);
  return value;
}

function resolvePlaceholders(value: JsonValue, thing: JsonObject): JsonValue {
  if (typeof value === 'string') {
    const single = SINGLE.exec(value);
    if (single) return lookup(thing, (single[1] ?? single[2]) as string);
    return value.replace(ANY, (_m, a?: string, b?: string) => {
      const v = lookup(thing, (a ?? b) as string);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolvePlaceholders(v, thing));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolvePlaceholders(v, thing);
    return out;
  }
  return value;
}

/** The merge patch of a migration; `target` is what conditions see (the caller's readable view). */
export function migrationPatch(
  req: MigrationRequest,
  thing: JsonObject,
  target: JsonObject,
  clock: () => Date,
): JsonObject {
  const payload = req.migrationPayload
    ? (resolvePlaceholders(req.migrationPayload, thing) as JsonObject)
    : {};
  let patch: JsonObject = { ...payload, definition: req.thingDefinitionUrl };
  for (const [key, rql] of Object.entries(req.patchConditions ?? {})) {
    const pointer = parsePointer(key.replace(/^thing:/, ''));
    if (!pointer) throw invalid(`The patch condition key '${key}' is not a resource path.`);
    let predicate;
    try {
      predicate = compileRqlPredicate(parseRql(rql), { now: clock });
    } catch (e) {
      if (e instanceof RqlSyntaxError)
        throw new DittoError(
          'things:condition.invalid',
          `The patch condition '${rql}' is not valid: ${e.message}`,
        );
      throw e;
    }
    if (!predicate(target)) patch = deleteAt(patch, pointer);
  }
  return patch;
}
