/**
 * @module Shared fixtures: servers with twins already in them, built once and reused by every
 * scenario that lists the key in its `uses` (the runner releases a fixture after its last user).
 */

/** Namespaces of the twins each fixture holds. */
export const NAMESPACES = { rest: 'bench.rest', bulk: 'bench.bulk' };

export const FIXTURES = {
  /** Egiz with `sizes.restTwins` twins for the REST modify and GET scenarios. */
  async 'egiz-rest'(ctx) {
    const server = await ctx.startEgiz({ label: 'rest' });
    ctx.log(`creating ${ctx.sizes.restTwins} twins on Egiz`);
    const seed = ctx.check(
      await ctx.populate(server, NAMESPACES.rest, ctx.sizes.restTwins),
      'populating Egiz',
    );
    return { server, count: ctx.sizes.restTwins, namespace: NAMESPACES.rest, seed };
  },
  /** The baseline server with the same twins. */
  async 'baseline-rest'(ctx) {
    const server = await ctx.startBaseline('sqlite-http');
    ctx.log(`creating ${ctx.sizes.restTwins} twins on the baseline`);
    const seed = ctx.check(
      await ctx.populate(server, NAMESPACES.rest, ctx.sizes.restTwins),
      'populating the baseline',
    );
    return { server, count: ctx.sizes.restTwins, namespace: NAMESPACES.rest, seed };
  },
  /**
   * Egiz with `sizes.bulkTwins` twins. The bulk creation scenario provides it (the store it built,
   * restarted); when that scenario is not part of the run, it is built here.
   */
  async 'egiz-bulk'(ctx) {
    const server = await ctx.startEgiz({ label: 'bulk' });
    ctx.log(`creating ${ctx.sizes.bulkTwins} twins on Egiz`);
    const seed = ctx.check(
      await ctx.populate(server, NAMESPACES.bulk, ctx.sizes.bulkTwins),
      'populating Egiz',
    );
    return { server, count: ctx.sizes.bulkTwins, namespace: NAMESPACES.bulk, seed };
  },
};
