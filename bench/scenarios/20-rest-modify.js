/**
 * @module Scenario: REST modify of one feature property on many distinct twins (PUT
 * /api/2/things/<id>/features/f/properties/value with a new number each time), closed loop, against
 * Egiz and against the baseline's single upsert per request.
 */

export default {
  id: 'rest-modify',
  title: 'REST modify of a feature property',
  order: 20,
  uses: ['egiz-rest', 'baseline-rest'],
  async run(ctx) {
    const egiz = await ctx.fixture('egiz-rest');
    const base = await ctx.fixture('baseline-rest');
    const count = egiz.count;
    // Consecutive requests go to consecutive twins, so the requests in flight (64) never share one.
    const request = (seq) => ({
      method: 'PUT',
      path: `/api/2/things/${egiz.namespace}:twin-${seq % count}/features/f/properties/value`,
      body: String(seq),
    });
    ctx.log(`Egiz: modify, ${ctx.opts.connections} connections`);
    const result = ctx.check(await ctx.load(egiz.server, { request }), 'Egiz modify');
    ctx.log('baseline: modify');
    const baseline = ctx.check(await ctx.load(base.server, { request }), 'baseline modify');
    return [
      ctx.loadRow({
        name: `REST modify feature property (${count.toLocaleString('en-US')} twins, c=${ctx.opts.connections})`,
        result,
        baseline,
        baselineName: 'Fastify + 1 SQLite upsert/request',
        targets: [
          { what: 'measured', op: '>=', value: 10000, text: '≥ 10,000/s' },
          { what: 'p99', op: '<', value: 10, text: 'p99 < 10 ms' },
          { what: 'ratio', op: '>=', value: 0.5, text: '≥ 0.5× baseline' },
        ],
        notes:
          `${result.requests.toLocaleString('en-US')} requests in ${result.seconds.toFixed(1)} s, all 2xx; ` +
          `every answer after commit (WAL, synchronous=FULL on both).`,
      }),
    ];
  },
};
