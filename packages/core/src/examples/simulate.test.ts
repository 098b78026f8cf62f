import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../model/merge-patch.js';
import type { JsonObject } from '../model/json.js';
import { validateThingJson } from '../model/thing-validation.js';
import { simulateStep } from './simulate.js';
import { EXAMPLES_NAMESPACE, EXAMPLES_POLICY_ID, examplesPolicy, exampleThings } from './world.js';
import { validatePolicy } from '../policy/index.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function run(
  thing: JsonObject,
  steps: number,
  dt: number,
  start = Date.parse('2026-06-01T06:00:00Z'),
): JsonObject[] {
  const random = seeded(42);
  const out: JsonObject[] = [thing];
  let cur = thing;
  for (let i = 1; i <= steps; i++) {
    const patch = simulateStep(cur, dt, new Date(start + i * dt * 1000), random);
    if (!patch) throw new Error('no patch');
    cur = applyMergePatch(cur, patch) as JsonObject;
    out.push(cur);
  }
  return out;
}

const byName = (name: string) =>
  exampleThings().find((t) => t.thingId === `${EXAMPLES_NAMESPACE}:${name}`) as JsonObject;
const p = (t: JsonObject, f: string, k: string) =>
  ((t.features as JsonObject)[f] as { properties: JsonObject }).properties[k] as number;

describe('example world', () => {
  it('is valid: every thing validates, the policy validates, ids are unique and in the namespace', () => {
    const things = exampleThings();
    expect(new Set(things.map((t) => t.thingId)).size).toBe(things.length);
    for (const t of things) {
      expect(validateThingJson(t, t.thingId as string)).toBeTruthy();
      expect(t.policyId).toBe(EXAMPLES_POLICY_ID);
    }
    expect(validatePolicy(examplesPolicy('nginx:ditto', ['nginx:viewer']))).toEqual([]);
    expect(things.map((t) => (t.attributes as JsonObject).kind)).toEqual(
      expect.arrayContaining(['environmental-sensor', 'vehicle', 'building']),
    );
  });
});

describe('simulation', () => {
  it('is deterministic for a given random source and clock', () => {
    expect(run(byName('van-1'), 20, 5)).toEqual(run(byName('van-1'), 20, 5));
  });

  it('drives vans along their route: odometer grows by the distance at the reported speed, fuel drops', () => {
    const states = run(byName('van-1'), 120, 10);
    const first = states[0] as JsonObject;
    const last = states.at(-1) as JsonObject;
    const km = p(last, 'odometer', 'value') - p(first, 'odometer', 'value');
    expect(km).toBeGreaterThan(5); // 20 min at 20-40 km/h
    expect(km).toBeLessThan(15);
    expect(p(last, 'fuel', 'level')).toBeLessThan(p(first, 'fuel', 'level'));
    const positions = new Set(states.map((s) => `${p(s, 'position', 'lat')},${p(s, 'position', 'lon')}`));
    expect(positions.size).toBeGreaterThan(100);
    for (const s of states) {
      expect(p(s, 'position', 'lat')).toBeGreaterThan(52.5);
      expect(p(s, 'position', 'lat')).toBeLessThan(52.53);
    }
  });

  it('keeps sensor values plausible over a simulated day and drains the battery slowly', () => {
    const states = run(byName('sensor-office-101'), 24 * 12, 300);
    for (const s of states) {
      expect(p(s, 'temperature', 'value')).toBeGreaterThan(15);
      expect(p(s, 'temperature', 'value')).toBeLessThan(28);
      expect(p(s, 'co2', 'value')).toBeGreaterThanOrEqual(400);
      expect(p(s, 'co2', 'value')).toBeLessThanOrEqual(2000);
    }
    const battery = states.map((s) => p(s, 'battery', 'level'));
    expect(battery.at(-1)).toBeLessThan(battery[0] as number);
    expect(battery[0]! - battery.at(-1)!).toBeLessThan(50);
    // CO2 is higher in working hours than at night
    const atHour = (h: number) => p(states[h * 12] as JsonObject, 'co2', 'value');
    expect(atHour(8)).toBeGreaterThan(atHour(20) - 200);
  });

  it('fills the building in working hours and empties it at night', () => {
    const random = seeded(7);
    const hq = byName('hq');
    const day = simulateStep(hq, 60, new Date('2026-06-01T11:00:00Z'), random) as JsonObject;
    const night = simulateStep(hq, 60, new Date('2026-06-01T02:00:00Z'), random) as JsonObject;
    expect(p(day, 'occupancy', 'total')).toBeGreaterThan(p(night, 'occupancy', 'total'));
  });

  it('produces no patch for twins it does not know', () => {
    expect(
      simulateStep({ thingId: 'x:y', definition: 'other:def:1' }, 1, new Date(), Math.random),
    ).toBeUndefined();
  });
});
