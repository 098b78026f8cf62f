/**
 * @module The twins the scenarios write: ids and a typical device twin (~250 bytes of JSON: a few
 * attributes, a nested location, two features), so that disk per twin and search are measured on
 * something that looks like a real device rather than an empty object.
 */

/** Thing id of twin i in a namespace of the benchmark. */
export function twinId(namespace, i) {
  return `${namespace}:twin-${i}`;
}

/** The body of twin i; `model` takes 100 values and `serial` is unique, for the search scenarios. */
export function twinBody(i) {
  return {
    attributes: {
      manufacturer: 'ACME',
      model: `m-${i % 100}`,
      serial: i,
      location: { building: `b-${i % 50}`, floor: i % 10 },
    },
    features: {
      f: { properties: { value: 0 } },
      temperature: { properties: { value: 21.5, unit: 'Cel' } },
    },
  };
}

/** Path of twin i; ids are URL-safe by construction (`:` is allowed in a path segment). */
export function thingPath(namespace, i) {
  return `/api/2/things/${twinId(namespace, i)}`;
}
