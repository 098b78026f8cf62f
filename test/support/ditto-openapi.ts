/**
 * @module Test support: Ditto's OpenAPI description (ditto-api-2.yml from the shared reference folder)
 * loaded into Ajv, so responses can be validated against the schema Ditto documents for a route,
 * method and status.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const CANDIDATES = [
  process.env.EGIZ_DITTO_OPENAPI,
  resolve(import.meta.dirname, '../../../shared/reference/ditto-openapi/ditto-api-2.yml'),
  '/work/shared/reference/ditto-openapi/ditto-api-2.yml',
].filter((p): p is string => typeof p === 'string');

type Json = Record<string, unknown>;

export function openApiPath(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `Ditto's ditto-api-2.yml not found; set EGIZ_DITTO_OPENAPI (looked in ${CANDIDATES.join(', ')})`,
    );
  return found;
}

export class DittoOpenApi {
  readonly doc: Json;
  readonly #ajv: Ajv;
  readonly #cache = new Map<string, ValidateFunction>();

  constructor(path = openApiPath()) {
    this.doc = parse(readFileSync(path, 'utf8')) as Json;
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    (addFormats as unknown as (a: Ajv) => void)(this.#ajv);
    this.#ajv.addSchema(this.doc, 'ditto-api');
  }

  #deref(node: unknown): Json {
    let n = node as Json;
    while (n && typeof n.$ref === 'string') {
      const parts = n.$ref.replace(/^#\//, '').split('/');
      n = parts.reduce<Json>((acc, p) => acc[p] as Json, this.doc);
    }
    return n;
  }

  /** JSON pointer (inside the document) of the JSON response schema, or undefined if none documented. */
  responseSchemaPointer(template: string, method: string, status: number): string | undefined {
    const paths = this.doc.paths as Json;
    const op = (paths[template] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
    if (!op) throw new Error(`${method} ${template} is not in Ditto's OpenAPI`);
    const responses = op.responses as Json;
    const raw = responses[String(status)];
    if (raw === undefined) throw new Error(`${method} ${template} does not document status ${status}`);
    let pointer = `#/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${status}`;
    let response = raw as Json;
    if (typeof response.$ref === 'string') {
      pointer = response.$ref;
      response = this.#deref(response);
    }
    const content = response.content as Json | undefined;
    if (!content?.['application/json']) return undefined;
    return `${pointer}/content/application~1json/schema`;
  }

  /** Validates a JSON body; returns error text or undefined. Routes documenting no schema take any JSON. */
  validate(template: string, method: string, status: number, body: unknown): string | undefined {
    const pointer = this.responseSchemaPointer(template, method, status);
    if (pointer === undefined) return undefined;
    let fn = this.#cache.get(pointer);
    if (!fn) {
      fn = this.#ajv.getSchema(`ditto-api${pointer}`);
      if (!fn) throw new Error(`schema ${pointer} could not be compiled`);
      this.#cache.set(pointer, fn);
    }
    return fn(body) ? undefined : this.#ajv.errorsText(fn.errors);
  }

  /** Response header names documented for a route, method and status (lower case). */
  documentedHeaders(template: string, method: string, status: number): string[] {
    const op = ((this.doc.paths as Json)[template] as Json)[method.toLowerCase()] as Json;
    const response = this.#deref((op.responses as Json)[String(status)]);
    return Object.keys((response.headers as Json | undefined) ?? {}).map((h) => h.toLowerCase());
  }

  documentedStatuses(template: string, method: string): number[] {
    const op = ((this.doc.paths as Json)[template] as Json)[method.toLowerCase()] as Json;
    return Object.keys(op.responses as Json).map(Number);
  }
}
