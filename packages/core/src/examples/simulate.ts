/**
 * @module Plausible physics for the example twins: one simulation step turns a twin's state and the
 * elapsed time into a merge patch (temperatures drift towards a daily curve, CO₂ follows occupancy,
 * batteries drain, vans drive along their route burning fuel). Pure: randomness and time come in.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../model/json.js';
import { EXAMPLE_DEFINITIONS, VEHICLE_ROUTE } from './world.js';

export type Random = () => number;

function num(v: JsonValue | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function prop(thing: JsonObject, feature: string, key: string): JsonValue | undefined {
  const f = isJsonObject(thing.features) ? thing.features[feature] : undefined;
  const p = isJsonObject(f) && isJsonObject(f.properties) ? f.properties[key] : undefined;
  return p;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Outdoor-ish daily curve the indoor temperature leans towards: warmest mid-afternoon. */
function dailyTarget(now: Date, base: number): number {
  const hours = now.getUTCHours() + now.getUTCMinutes() / 60;
  return base + 1.5 * Math.sin(((hours - 9) / 24) * 2 * Math.PI);
}

function sensorStep(thing: JsonObject, dt: number, now: Date, random: Random): JsonObject {
  const t = num(prop(thing, 'temperature', 'value'), 21);
  const h = num(prop(thing, 'humidity', 'value'), 45);
  const c = num(prop(thing, 'co2', 'value'), 600);
  const b = num(prop(thing, 'battery', 'level'), 100);
  const room =
    isJsonObject(thing.attributes) && isJsonObject(thing.attributes.location)
      ? thing.attributes.location.room
      : '';
  const base = room === 'server-room' ? 24 : 21;
  const pull = 1 - Math.exp(-dt / 600);
  const nextT = t + (dailyTarget(now, base) - t) * pull + (random() - 0.5) * 0.1 * Math.sqrt(dt);
  const busy = now.getUTCHours() >= 8 && now.getUTCHours() < 18 ? 900 : 450;
  const nextC = c + (busy - c) * (1 - Math.exp(-dt / 900)) + (random() - 0.5) * 8 * Math.sqrt(dt);
  const nextH = h + (random() - 0.5) * 0.2 * Math.sqrt(dt);
  const nextB = b - dt * 0.0005;
  return {
    features: {
      temperature: { properties: { value: round(nextT, 2) } },
      humidity: { properties: { value: round(clamp(nextH, 20, 80), 1) } },
      co2: { properties: { value: Math.round(clamp(nextC, 400, 2000)) } },
      battery: { properties: { level: round(clamp(nextB, 0, 100), 2) } },
    },
  };
}

/** Great-circle distance in km. */
function distanceKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(s));
}

function vehicleStep(thing: JsonObject, dt: number, random: Random): JsonObject {
  let index = Math.floor(num(prop(thing, 'position', 'routeIndex'), 0)) % VEHICLE_ROUTE.length;
  let progress = num(prop(thing, 'position', 'progress'), 0);
  const fuel = num(prop(thing, 'fuel', 'level'), 50);
  const odometer = num(prop(thing, 'odometer', 'value'), 0);
  const refuel = fuel < 5;
  const speed = refuel ? 0 : clamp(30 + (random() - 0.5) * 20, 0, 60);
  let travel = (speed * dt) / 3600; // km this step
  const moved = travel;
  let from = VEHICLE_ROUTE[index] as readonly [number, number];
  let to = VEHICLE_ROUTE[(index + 1) % VEHICLE_ROUTE.length] as readonly [number, number];
  while (travel > 0) {
    const leg = distanceKm(from, to);
    const left = leg * (1 - progress);
    if (travel < left) {
      progress += travel / leg;
      travel = 0;
    } else {
      travel -= left;
      index = (index + 1) % VEHICLE_ROUTE.length;
      progress = 0;
      from = VEHICLE_ROUTE[index] as readonly [number, number];
      to = VEHICLE_ROUTE[(index + 1) % VEHICLE_ROUTE.length] as readonly [number, number];
    }
  }
  const lat = from[0] + (to[0] - from[0]) * progress;
  const lon = from[1] + (to[1] - from[1]) * progress;
  const heading = (Math.atan2(to[1] - from[1], to[0] - from[0]) * 180) / Math.PI;
  return {
    features: {
      position: {
        properties: {
          lat: round(lat, 6),
          lon: round(lon, 6),
          heading: Math.round((heading + 360) % 360),
          routeIndex: index,
          progress: round(progress, 4),
        },
      },
      speed: { properties: { value: round(speed, 1) } },
      fuel: { properties: { level: round(refuel ? 100 : clamp(fuel - moved * 0.15, 0, 100), 2) } },
      odometer: { properties: { value: round(odometer + moved, 3) } },
      diagnostics: { properties: { engineTemp: round(speed > 0 ? 85 + (random() - 0.5) * 4 : 40, 1) } },
    },
  };
}

function buildingStep(thing: JsonObject, now: Date, random: Random): JsonObject {
  const hour = now.getUTCHours();
  const working = hour >= 8 && hour < 18;
  const capacity = num(prop(thing, 'occupancy', 'capacity'), 80);
  const total = Math.round(clamp((working ? 0.5 : 0.05) * capacity + (random() - 0.5) * 6, 0, capacity));
  const byFloor = {
    '0': Math.round(total * 0.3),
    '1': Math.round(total * 0.5),
    '2': total - Math.round(total * 0.3) - Math.round(total * 0.5),
  };
  return {
    features: {
      occupancy: { properties: { total, byFloor } },
      hvac: {
        properties: {
          fanSpeed: Math.round(clamp(20 + total, 20, 100)),
          supplyAirTemp: round(17 + random(), 1),
        },
      },
      energy: { properties: { powerKw: round(20 + total * 0.8 + random() * 3, 1) } },
    },
  };
}

/** The merge patch that moves one example twin forward by `dtSeconds`; undefined for unknown kinds. */
export function simulateStep(
  thing: JsonObject,
  dtSeconds: number,
  now: Date,
  random: Random,
): JsonObject | undefined {
  const dt = Math.max(0, Math.min(dtSeconds, 3600));
  switch (thing.definition) {
    case EXAMPLE_DEFINITIONS.sensor:
      return sensorStep(thing, dt, now, random);
    case EXAMPLE_DEFINITIONS.vehicle:
      return vehicleStep(thing, dt, random);
    case EXAMPLE_DEFINITIONS.building:
      return buildingStep(thing, now, random);
    default:
      return undefined;
  }
}
