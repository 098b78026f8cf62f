/**
 * @module Scenario (policies issue): what enforcement costs as a policy grows. Two sets of twins on
 * the same Egiz, each twin with its own inline policy: one with the single entry of a default
 * policy, one with 10 entries (the owner's plus 9 other readers and writers, with grants and
 * revokes on several paths, as a shared device twin has). GET and REST modify are run on both,
 * alternating rounds so that both see the same machine, and reported as the ratio
 * 10-entry / 1-entry (target: within 10 %, i.e. ≥ 0.9).
 */
import { twinBody } from '../lib/twins.js';

const NS = { one: 'bench.pol1', ten: 'bench.pol10' };
const OWNER = '{{ request:subjectId }}';

/** The owner's entry: everything on thing, policy and message. */
function ownerEntry() {
  return {
    subjects: { [OWNER]: { type: 'owner' } },
    resources: {
      'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
      'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
      'message:/': { grant: ['READ', 'WRITE'], revoke: [] },
    },
  };
}

/** 1 entry (like a default policy) or 10 (owner + 9 others on different paths). */
export function policyOf(entries) {
  const policy = { entries: { OWNER: ownerEntry() } };
  for (let k = 1; k < entries; k++) {
    const resources =
      k % 3 === 0
        ? {
            'thing:/': { grant: ['READ'], revoke: [] },
            'thing:/attributes/location': { grant: [], revoke: ['READ'] },
          }
        : k % 3 === 1
          ? {
              'thing:/features': { grant: ['READ', 'WRITE'], revoke: [] },
              'thing:/features/temperature': { grant: [], revoke: ['WRITE'] },
            }
          : {
              'thing:/attributes': { grant: ['READ'], revoke: [] },
              'message:/features': { grant: ['WRITE'], revoke: [] },
            };
    policy.entries[`USER${k}`] = {
      subjects: {
        [`nginx:user-${k}`]: { type: 'user' },
        [`integration:app-${k}`]: { type: 'app' },
      },
      resources,
    };
  }
  return policy;
}

export default {
  id: 'policy-size',
  title: 'Enforcement cost: 10-entry vs 1-entry policies',
  order: 35,
  async run(ctx) {
    // Its own Egiz: the twins of the other scenarios would share the policy caches with these.
    const server = await ctx.startEgiz({ label: 'policy' });
    try {
      return await measurePolicySizes(ctx, server);
    } finally {
      await ctx.stop(server);
    }
  },
};

async function measurePolicySizes(ctx, server) {
  const count = Math.min(2000, ctx.sizes.restTwins);
  const policies = { one: policyOf(1), ten: policyOf(10) };
  for (const key of ['one', 'ten']) {
    ctx.log(`creating ${count} twins with a ${key === 'one' ? 1 : 10}-entry policy`);
    ctx.check(
      await ctx.load(server, {
        windowLabel: `${ctx.scenario}:populate`,
        total: count,
        request: (i) => ({
          method: 'PUT',
          path: `/api/2/things/${NS[key]}:twin-${i}`,
          body: JSON.stringify({ ...twinBody(i), _policy: policies[key] }),
        }),
      }),
      `populating ${key}`,
    );
  }
  const probe = await ctx.request(server, { method: 'GET', path: `/api/2/policies/${NS.ten}:twin-1` });
  const entries = probe.status === 200 ? Object.keys(JSON.parse(probe.body).entries ?? {}).length : 0;
  if (entries !== 10) throw new Error(`the 10-entry policy has ${entries} entries (${probe.status})`);

  const get = (key) => (seq) => ({ method: 'GET', path: `/api/2/things/${NS[key]}:twin-${seq % count}` });
  const modify = (key) => (seq) => ({
    method: 'PUT',
    path: `/api/2/things/${NS[key]}:twin-${seq % count}/features/f/properties/value`,
    body: String(seq),
  });
  // Alternating rounds of a third of the run's duration each: drift of the machine hits both sides.
  const durationMs = Math.max(500, Math.round(ctx.sizes.durationMs / 3));
  const rounds = 3;
  const measure = async (what, make) => {
    const sum = { one: undefined, ten: undefined };
    for (let round = 0; round < rounds; round++)
      for (const key of round % 2 === 0 ? ['one', 'ten'] : ['ten', 'one']) {
        ctx.log(`${what}, ${key === 'one' ? 1 : 10}-entry policies, round ${round + 1}/${rounds}`);
        const r = ctx.check(await ctx.load(server, { request: make(key), durationMs }), `${what} (${key})`);
        sum[key] = merge(sum[key], r);
      }
    return sum;
  };
  const gets = await measure('GET', get);
  const modifies = await measure('modify', modify);
  const row = (name, pair, target) =>
    ctx.loadRow({
      name,
      result: pair.ten,
      baseline: pair.one,
      baselineName: 'the same with 1-entry policies',
      targets: [{ what: 'ratio', op: '>=', value: 0.9, text: target }],
      notes:
        `${count.toLocaleString('en-US')} twins per side, each with its own policy; ${rounds} alternating rounds ` +
        `of ${(durationMs / 1000).toFixed(1)} s per side; the "baseline" columns are the 1-entry side.`,
    });
  return [
    row(`GET thing, 10-entry vs 1-entry policy (c=${ctx.opts.connections})`, gets, '≥ 0.9× 1-entry'),
    row(`REST modify, 10-entry vs 1-entry policy (c=${ctx.opts.connections})`, modifies, '≥ 0.9× 1-entry'),
  ];
}

/** Adds up the rounds of one side: throughput over the summed time, latencies of the worst round. */
function merge(a, b) {
  if (!a) return b;
  const requests = a.requests + b.requests;
  const seconds = a.seconds + b.seconds;
  const worse = (b.latency?.p99 ?? 0) > (a.latency?.p99 ?? 0) ? b : a;
  return {
    ...worse,
    requests,
    seconds,
    errors: a.errors + b.errors,
    throughput: requests / seconds,
    proc: worse.proc,
  };
}
