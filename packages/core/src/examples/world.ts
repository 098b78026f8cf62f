/**
 * @module The example world Egiz can seed (`egiz examples seed`, EGIZ_SEED_EXAMPLES=true): a small,
 * believable set of twins in namespace `egiz.examples` — environmental sensors, vehicles and a
 * building — with a shared policy and a definition per kind. Pure data, deterministic.
 */
import type { JsonObject } from '../model/json.js';

export const EXAMPLES_NAMESPACE = 'egiz.examples';
export const EXAMPLES_POLICY_ID = `${EXAMPLES_NAMESPACE}:examples-policy`;

export const EXAMPLE_DEFINITIONS = {
  sensor: 'egiz.examples:environmental-sensor:1.0.0',
  vehicle: 'egiz.examples:vehicle:1.0.0',
  building: 'egiz.examples:building:1.0.0',
} as const;

/** A route of a delivery van through Berlin (lat, lon), driven in a loop. */
export const VEHICLE_ROUTE: readonly (readonly [number, number])[] = [
  [52.52, 13.405],
  [52.5163, 13.3777],
  [52.5096, 13.376],
  [52.5069, 13.39],
  [52.5076, 13.4269],
  [52.5145, 13.435],
  [52.5219, 13.4132],
];

/** The policy of the example world: `owner` may do everything, `viewer` subjects may read twins. */
export function examplesPolicy(ownerSubject: string, viewerSubjects: readonly string[] = []): JsonObject {
  const rw = { grant: ['READ', 'WRITE'], revoke: [] };
  const entries: JsonObject = {
    owner: {
      subjects: { [ownerSubject]: { type: 'examples owner' } },
      resources: { 'thing:/': rw, 'policy:/': rw, 'message:/': rw },
    },
  };
  if (viewerSubjects.length > 0)
    entries.viewer = {
      subjects: Object.fromEntries(viewerSubjects.map((s) => [s, { type: 'examples viewer' }])),
      resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
    };
  return { policyId: EXAMPLES_POLICY_ID, entries };
}

interface SensorSpec {
  readonly name: string;
  readonly room: string;
  readonly floor: number;
  readonly temperature: number;
  readonly humidity: number;
  readonly co2: number;
}

const SENSORS: readonly SensorSpec[] = [
  { name: 'sensor-lobby', room: 'lobby', floor: 0, temperature: 20.5, humidity: 41, co2: 520 },
  { name: 'sensor-kitchen', room: 'kitchen', floor: 0, temperature: 22.1, humidity: 48, co2: 610 },
  { name: 'sensor-office-101', room: 'office-101', floor: 1, temperature: 21.4, humidity: 44, co2: 700 },
  { name: 'sensor-office-102', room: 'office-102', floor: 1, temperature: 21.0, humidity: 43, co2: 650 },
  { name: 'sensor-lab-201', room: 'lab-201', floor: 2, temperature: 19.8, humidity: 38, co2: 480 },
  { name: 'sensor-server-room', room: 'server-room', floor: 2, temperature: 24.3, humidity: 35, co2: 450 },
];

function sensor(s: SensorSpec, index: number): JsonObject {
  return {
    thingId: `${EXAMPLES_NAMESPACE}:${s.name}`,
    policyId: EXAMPLES_POLICY_ID,
    definition: EXAMPLE_DEFINITIONS.sensor,
    attributes: {
      kind: 'environmental-sensor',
      manufacturer: 'Egiz Devices',
      model: 'ENV-4',
      serial: `ENV4-${String(1000 + index)}`,
      location: { building: `${EXAMPLES_NAMESPACE}:hq`, floor: s.floor, room: s.room },
    },
    features: {
      temperature: { properties: { value: s.temperature, unit: 'Cel' } },
      humidity: { properties: { value: s.humidity, unit: '%RH' } },
      co2: { properties: { value: s.co2, unit: 'ppm' } },
      battery: { properties: { level: 100 - index * 7, voltage: 3.0 } },
    },
  };
}

function vehicle(name: string, plate: string, index: number): JsonObject {
  const [lat, lon] = VEHICLE_ROUTE[(index * 2) % VEHICLE_ROUTE.length] as readonly [number, number];
  return {
    thingId: `${EXAMPLES_NAMESPACE}:${name}`,
    policyId: EXAMPLES_POLICY_ID,
    definition: EXAMPLE_DEFINITIONS.vehicle,
    attributes: { kind: 'vehicle', make: 'Egiz Motors', model: 'Courier EV', plate, depot: 'Berlin-Mitte' },
    features: {
      position: {
        properties: { lat, lon, heading: 90, routeIndex: (index * 2) % VEHICLE_ROUTE.length, progress: 0 },
      },
      speed: { properties: { value: 0, unit: 'km/h' } },
      fuel: { properties: { level: 80 - index * 15, unit: '%' } },
      odometer: { properties: { value: 12000 + index * 4321, unit: 'km' } },
      diagnostics: { properties: { engineTemp: 40, tirePressure: [2.4, 2.4, 2.5, 2.5], faults: [] } },
    },
  };
}

function building(): JsonObject {
  return {
    thingId: `${EXAMPLES_NAMESPACE}:hq`,
    policyId: EXAMPLES_POLICY_ID,
    definition: EXAMPLE_DEFINITIONS.building,
    attributes: {
      kind: 'building',
      name: 'Egiz HQ',
      address: { street: 'Invalidenstraße 1', city: 'Berlin', country: 'DE' },
      floors: [
        { level: 0, rooms: ['lobby', 'kitchen'] },
        { level: 1, rooms: ['office-101', 'office-102'] },
        { level: 2, rooms: ['lab-201', 'server-room'] },
      ],
    },
    features: {
      hvac: { properties: { mode: 'auto', setpoint: 21, supplyAirTemp: 18.5, fanSpeed: 40 } },
      occupancy: { properties: { total: 12, byFloor: { '0': 4, '1': 6, '2': 2 }, capacity: 80 } },
      energy: { properties: { powerKw: 42.0, todayKwh: 120.5 } },
    },
  };
}

/** Every example twin (each with policyId = EXAMPLES_POLICY_ID). */
export function exampleThings(): JsonObject[] {
  return [
    ...SENSORS.map(sensor),
    vehicle('van-1', 'B-EZ 101', 0),
    vehicle('van-2', 'B-EZ 102', 1),
    vehicle('van-3', 'B-EZ 103', 2),
    building(),
  ];
}
