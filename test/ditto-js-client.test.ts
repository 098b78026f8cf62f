/**
 * Eclipse Ditto's official JavaScript client (HTTP flavour) drives Egiz unchanged: things,
 * attributes, features, properties, merge, policies, and errors as the client reports them.
 */
import {
  DittoNodeClient,
  Feature,
  NodeHttpBasicAuth,
  Thing,
} from '@eclipse-ditto/ditto-javascript-client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let client: ReturnType<typeof buildClient>;

function buildClient(url: string, user = 'ditto', password = 'ditto') {
  return DittoNodeClient.newHttpClient()
    .withoutTls()
    .withDomain(new URL(url).host)
    .withAuthProvider(NodeHttpBasicAuth.newInstance(user, password))
    .build();
}

beforeAll(async () => {
  s = await startServer();
  client = buildClient(s.url);
});
afterAll(async () => {
  await s.close();
});

describe('Ditto JavaScript client over HTTP', () => {
  it('creates, reads, patches and deletes things', async () => {
    const things = client.getThingsHandle();
    const thingId = 'org.egiz.js:lamp-1';
    const put = await things.putThing(new Thing(thingId, undefined, { location: 'kitchen' }));
    expect(put.status).toBe(201);
    const thing = await things.getThing(thingId);
    expect(thing.thingId).toBe(thingId);
    expect(thing.policyId).toBe(thingId);
    expect(thing.attributes).toEqual({ location: 'kitchen' });

    await things.putAttribute(thingId, 'floor', 2);
    expect(await things.getAttribute(thingId, 'floor')).toBe(2);
    await things.patchThing(Thing.fromObject({ thingId, attributes: { location: 'hall', extra: true } }));
    expect(await things.getAttributes(thingId)).toEqual({ location: 'hall', floor: 2, extra: true });

    const created = await things.postThing({ attributes: { made: 'by POST' } });
    expect(created.thingId).toMatch(/^egiz:/);
    const many = await things.getThings([created.thingId, thingId]);
    expect(many.map((t) => t.thingId)).toEqual([created.thingId, thingId]);

    await things.deleteThing(thingId);
    await expect(things.getThing(thingId)).rejects.toMatchObject({ status: 404 });
  });

  it('works with features and properties', async () => {
    const thingId = 'org.egiz.js:sensor-1';
    await client.getThingsHandle().putThing(new Thing(thingId));
    const features = client.getFeaturesHandle(thingId);
    await features.putFeature(new Feature('temperature', ['org.egiz:temperature:1.0.0'], { value: 21.5 }));
    await features.putProperty('temperature', 'unit', 'C');
    expect(await features.getProperty('temperature', 'value')).toBe(21.5);
    expect(await features.getProperties('temperature')).toEqual({ value: 21.5, unit: 'C' });
    expect(await features.getDefinition('temperature')).toEqual(['org.egiz:temperature:1.0.0']);
    await features.deleteProperty('temperature', 'unit');
    await expect(features.getProperty('temperature', 'unit')).rejects.toMatchObject({ status: 404 });
  });

  it('reads and changes policies', async () => {
    const thingId = 'org.egiz.js:with-policy';
    await client.getThingsHandle().putThing(new Thing(thingId));
    const policies = client.getPoliciesHandle();
    const policy = await policies.getPolicy(thingId);
    expect(policy.id).toBe(thingId);
    expect(Object.keys(policy.entries)).toEqual(['DEFAULT']);
    const subjects = await policies.getSubjects(thingId, 'DEFAULT');
    expect(Object.keys(subjects)).toContain('nginx:ditto');
  });

  it('reports authentication failures as the client expects', async () => {
    const wrong = buildClient(s.url, 'ditto', 'nope');
    await expect(wrong.getThingsHandle().getThing('org.egiz.js:any')).rejects.toMatchObject({ status: 401 });
  });
});
