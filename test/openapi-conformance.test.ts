/**
 * Responses of the things routes checked against the schemas of Ditto's OpenAPI description
 * (ditto-api-2.yml): every status Egiz answers must be documented for that route, and its JSON body
 * must validate against the documented schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DittoOpenApi } from './support/ditto-openapi.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let api: DittoOpenApi;
const T = 'org.egiz.oas:thing-1';
const thing = {
  definition: 'org.egiz:sensor:1.0.0',
  attributes: { location: { room: 'lab' }, serial: 'S-1' },
  features: {
    temp: {
      definition: ['org.egiz:temperature:1.0.0'],
      properties: { value: 21.5 },
      desiredProperties: { value: 20 },
    },
  },
};

beforeAll(async () => {
  s = await startServer();
  api = new DittoOpenApi();
});
afterAll(async () => {
  await s.close();
});

interface Case {
  template: string;
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  expect: number;
}

// `_revision` is left out of schema checks: the OpenAPI file types it as a string, but Ditto answers a
// JSON number (see docs/compatibility.md); Egiz follows Ditto's behaviour.
const cases: Case[] = [
  {
    template: '/api/2/things/{thingId}',
    method: 'PUT',
    path: `/api/2/things/${T}`,
    json: thing,
    expect: 201,
  },
  { template: '/api/2/things/{thingId}', method: 'GET', path: `/api/2/things/${T}`, expect: 200 },
  {
    template: '/api/2/things/{thingId}',
    method: 'GET',
    path: `/api/2/things/${T}?fields=thingId,policyId,attributes,_created,_modified,_metadata`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}',
    method: 'GET',
    path: '/api/2/things/org.egiz.oas:missing',
    expect: 404,
  },
  { template: '/api/2/things/{thingId}', method: 'GET', path: '/api/2/things/invalid', expect: 400 },
  {
    template: '/api/2/things/{thingId}',
    method: 'PUT',
    path: `/api/2/things/${T}`,
    json: thing,
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}',
    method: 'PUT',
    path: `/api/2/things/${T}`,
    json: thing,
    headers: { 'if-match': '"rev:99"' },
    expect: 412,
  },
  {
    template: '/api/2/things/{thingId}',
    method: 'PATCH',
    path: `/api/2/things/${T}`,
    json: { attributes: { patched: true } },
    expect: 204,
  },
  { template: '/api/2/things', method: 'GET', path: `/api/2/things?ids=${T}`, expect: 200 },
  {
    template: '/api/2/things',
    method: 'POST',
    path: '/api/2/things',
    json: { attributes: { a: 1 } },
    expect: 201,
  },
  {
    template: '/api/2/things/{thingId}/policyId',
    method: 'GET',
    path: `/api/2/things/${T}/policyId`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/policyId',
    method: 'PUT',
    path: `/api/2/things/${T}/policyId`,
    json: T,
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/definition',
    method: 'GET',
    path: `/api/2/things/${T}/definition`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/definition',
    method: 'PUT',
    path: `/api/2/things/${T}/definition`,
    json: 'org.egiz:sensor:2.0.0',
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/attributes',
    method: 'GET',
    path: `/api/2/things/${T}/attributes`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/attributes',
    method: 'PUT',
    path: `/api/2/things/${T}/attributes`,
    json: { serial: 'S-2' },
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/attributes',
    method: 'PATCH',
    path: `/api/2/things/${T}/attributes`,
    json: { more: 1 },
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/attributes/{attributePath}',
    method: 'PUT',
    path: `/api/2/things/${T}/attributes/a/b`,
    json: { c: 1 },
    expect: 201,
  },
  {
    template: '/api/2/things/{thingId}/attributes/{attributePath}',
    method: 'GET',
    path: `/api/2/things/${T}/attributes/a/b`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/attributes/{attributePath}',
    method: 'GET',
    path: `/api/2/things/${T}/attributes/none`,
    expect: 404,
  },
  {
    template: '/api/2/things/{thingId}/attributes/{attributePath}',
    method: 'PATCH',
    path: `/api/2/things/${T}/attributes/a/b`,
    json: { d: 2 },
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/attributes/{attributePath}',
    method: 'DELETE',
    path: `/api/2/things/${T}/attributes/a`,
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/features',
    method: 'GET',
    path: `/api/2/things/${T}/features`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}',
    method: 'PUT',
    path: `/api/2/things/${T}/features/new`,
    json: { properties: { x: 1 } },
    expect: 201,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}',
    method: 'GET',
    path: `/api/2/things/${T}/features/temp`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}',
    method: 'GET',
    path: `/api/2/things/${T}/features/none`,
    expect: 404,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/definition',
    method: 'GET',
    path: `/api/2/things/${T}/features/temp/definition`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/definition',
    method: 'PUT',
    path: `/api/2/things/${T}/features/new/definition`,
    json: ['org.egiz:x:1.0.0'],
    expect: 201,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/properties',
    method: 'GET',
    path: `/api/2/things/${T}/features/temp/properties`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/properties',
    method: 'PUT',
    path: `/api/2/things/${T}/features/temp/properties`,
    json: { value: 22 },
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/properties/{propertyPath}',
    method: 'GET',
    path: `/api/2/things/${T}/features/temp/properties/value`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/properties/{propertyPath}',
    method: 'PUT',
    path: `/api/2/things/${T}/features/temp/properties/unit`,
    json: 'C',
    expect: 201,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/properties/{propertyPath}',
    method: 'DELETE',
    path: `/api/2/things/${T}/features/temp/properties/unit`,
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/desiredProperties',
    method: 'GET',
    path: `/api/2/things/${T}/features/temp/desiredProperties`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/desiredProperties/{propertyPath}',
    method: 'GET',
    path: `/api/2/things/${T}/features/temp/desiredProperties/value`,
    expect: 200,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}/desiredProperties/{propertyPath}',
    method: 'PUT',
    path: `/api/2/things/${T}/features/temp/desiredProperties/mode`,
    json: 'eco',
    expect: 201,
  },
  {
    template: '/api/2/things/{thingId}/features/{featureId}',
    method: 'DELETE',
    path: `/api/2/things/${T}/features/new`,
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/features',
    method: 'PUT',
    path: `/api/2/things/${T}/features`,
    json: { only: {} },
    expect: 204,
  },
  {
    template: '/api/2/things/{thingId}/migrateDefinition',
    method: 'POST',
    path: `/api/2/things/${T}/migrateDefinition?dry-run=true`,
    json: { thingDefinitionUrl: 'org.egiz:sensor:3.0.0', migrationPayload: { attributes: { m: 1 } } },
    expect: 202,
  },
  {
    template: '/api/2/things/{thingId}/migrateDefinition',
    method: 'POST',
    path: `/api/2/things/${T}/migrateDefinition`,
    json: { thingDefinitionUrl: 'org.egiz:sensor:3.0.0' },
    expect: 200,
  },
  { template: '/api/2/things', method: 'GET', path: '/api/2/things', expect: 200 },
  { template: '/api/2/things/{thingId}', method: 'DELETE', path: `/api/2/things/${T}`, expect: 204 },
];

describe("responses match Ditto's OpenAPI schemas", () => {
  it.each(cases.map((c, i) => [`${i}: ${c.method} ${c.path} -> ${c.expect}`, c] as const))(
    '%s',
    async (_name, c) => {
      const res = await s.request(c.path, {
        method: c.method,
        ...(c.json !== undefined ? { json: c.json } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      expect(res.status).toBe(c.expect);
      expect(api.documentedStatuses(c.template, c.method)).toContain(c.expect);
      const text = await res.text();
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      expect(api.validate(c.template, c.method, c.expect, body)).toBeUndefined();
      const headers = api.documentedHeaders(c.template, c.method, c.expect);
      for (const h of ['etag', 'location'])
        if (headers.includes(h)) expect(res.headers.get(h), h).toBeTruthy();
    },
  );
});
