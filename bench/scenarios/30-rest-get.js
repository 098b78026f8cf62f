/**
 * @module Scenario: REST GET of whole twins (GET /api/2/things/<id>), closed loop over the same
 * twins, against Egiz and against the baseline's SELECT by primary key.
 */
import { Buffer } from 'node:buffer';

export default {
  id: 'rest-get',
  title: 'REST GET thing',
  order: 30,
  uses: ['egiz-rest', 'baseline-rest'],
  async run(ctx) {
    const egiz = await ctx.fixture('egiz-rest');
    const base = await ctx.fixture('baseline-rest');
    const count = egiz.count;
    const request = (seq) => ({ method: 'GET', path: `/api/2/things/${egiz.namespace}:twin-${seq % count}` });
    const sample = await ctx.request(egiz.server, request(1));
    if (sample.status !== 200)
      throw new Error(`GET thing answered ${sample.status}: ${sample.body.slice(0, 200)}`);
    ctx.log(`Egiz: GET, ${ctx.opts.connections} connections`);
    const result = ctx.check(await ctx.load(egiz.server, { request }), 'Egiz GET');
    ctx.log('baseline: GET');
    const baseline = ctx.check(await ctx.load(base.server, { request }), 'baseline GET');
    return [
      ctx.loadRow({
        name: `REST GET thing (${count.toLocaleString('en-US')} twins, c=${ctx.opts.connections})`,
        result,
        baseline,
        baselineName: 'Fastify + 1 SQLite SELECT by key/request',
        targets: [{ what: 'measured', op: '>=', value: 15000, text: '≥ 15,000/s' }],
        notes: `answers of ${Buffer.byteLength(sample.body)} bytes (whole twin, with policy enforcement on Egiz).`,
      }),
    ];
  },
};
