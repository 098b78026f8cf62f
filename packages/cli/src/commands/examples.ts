/**
 * @module `egiz examples seed|simulate`: create the example world (namespace egiz.examples — sensors,
 * vans, a building) for the logged-in user, and keep it changing with plausible physics.
 */
import {
  EXAMPLES_POLICY_ID,
  applyMergePatch,
  examplesPolicy,
  exampleThings,
  isJsonObject,
  simulateStep,
  type JsonObject,
} from '@egiz/core';
import type { Command } from 'commander';
import { contextOf, type Context } from '../context.js';
import { UsageError } from '../errors.js';
import { examples, thingPath } from './common.js';

async function whoami(ctx: Context): Promise<string> {
  const res = await ctx.client().request({ method: 'GET', path: '/api/2/whoami' });
  const body = res.body;
  if (!isJsonObject(body) || typeof body.defaultSubject !== 'string')
    throw new Error('whoami answered without a subject');
  return body.defaultSubject;
}

function positive(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got '${raw}'`);
  return n;
}

export function registerExamplesCommands(program: Command): void {
  const group = program
    .command('examples')
    .description('the example world: environmental sensors, vans and a building');
  examples(group, ['egiz examples seed', 'egiz examples simulate --interval 0.5']);

  const seed = group
    .command('seed')
    .description('create (or reset) the example policy and twins in namespace egiz.examples, owned by you')
    .option('--viewer <subject...>', 'subjects that may read the example twins, e.g. nginx:alice')
    .action(async (flags: { viewer?: string[] }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const owner = await whoami(ctx);
      const client = ctx.client();
      await client.request({
        method: 'PUT',
        path: `/api/2/policies/${encodeURIComponent(EXAMPLES_POLICY_ID)}`,
        body: examplesPolicy(owner, flags.viewer ?? []),
      });
      const things = exampleThings();
      for (const thing of things)
        await client.request({ method: 'PUT', path: thingPath(thing.thingId as string), body: thing });
      await ctx.print({ policyId: EXAMPLES_POLICY_ID, owner, things: things.map((t) => t.thingId) }, 'json');
      ctx.note(`seeded ${things.length} twins in egiz.examples`);
    });
  examples(seed, ['egiz examples seed', 'egiz examples seed --viewer nginx:alice nginx:bob']);

  const simulate = group
    .command('simulate')
    .description('keep the example twins changing: each round sends one merge patch per twin')
    .option('--interval <seconds>', 'time between rounds (default 1)')
    .option('--rounds <n>', 'stop after this many rounds (default: until Ctrl-C)')
    .option('--speedup <factor>', 'simulated seconds per real second (default 1)')
    .action(async (flags: { interval?: string; rounds?: string; speedup?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const client = ctx.client();
      const interval = positive(flags.interval, '--interval', 1);
      const rounds =
        flags.rounds === undefined ? Infinity : Math.floor(positive(flags.rounds, '--rounds', 1));
      const speedup = positive(flags.speedup, '--speedup', 1);
      const state = new Map<string, JsonObject>();
      for (const t of exampleThings()) {
        const id = t.thingId as string;
        const res = await client.request({ method: 'GET', path: thingPath(id) });
        if (!isJsonObject(res.body)) throw new Error(`unexpected answer for ${id}`);
        state.set(id, res.body);
      }
      let stop = false;
      const onSignal = () => (stop = true);
      process.once('SIGINT', onSignal);
      let simulated = Date.now();
      let sent = 0;
      try {
        for (let round = 0; round < rounds && !stop; round++) {
          if (round > 0) await new Promise((r) => setTimeout(r, interval * 1000));
          const dt = interval * speedup;
          simulated += dt * 1000;
          await Promise.all(
            [...state.entries()].map(async ([id, thing]) => {
              const patch = simulateStep(thing, dt, new Date(simulated), Math.random);
              if (!patch) return;
              await client.request({ method: 'PATCH', path: thingPath(id), body: patch });
              state.set(id, applyMergePatch(thing, patch) as JsonObject);
              sent++;
            }),
          );
          ctx.note(`round ${round + 1}: ${sent} updates sent`);
        }
      } finally {
        process.off('SIGINT', onSignal);
      }
      await ctx.print({ updates: sent }, 'json');
    });
  examples(simulate, [
    'egiz examples simulate',
    'egiz examples simulate --interval 0.2 --speedup 60   # an hour per 12 s',
    'egiz examples simulate --rounds 10',
  ]);
}
