/**
 * @module Scenario: Ditto Protocol `modify` commands of a feature property over WebSocket (/ws/2),
 * pipelined (64 in flight in all), with 1 and 16 sessions, each answered after commit; against the
 * raw `ws` echo baseline driven by the same generator. While Egiz has no /ws/2 the scenario is
 * reported as not available yet, with the baseline measured so that the comparison is ready.
 */

import { probeWs } from '../lib/ws-load.js';

const IN_FLIGHT = 64;
const SHAPES = [
  { sessions: 1, window: IN_FLIGHT },
  { sessions: 16, window: IN_FLIGHT / 16 },
];

function modifyMessage(namespace, count) {
  return (seq) => {
    const id = `b${seq}`;
    return {
      id,
      text: JSON.stringify({
        topic: `${namespace}/twin-${seq % count}/things/twin/commands/modify`,
        headers: { 'correlation-id': id, 'response-required': true },
        path: '/features/f/properties/value',
        value: seq,
      }),
    };
  };
}

/** Egiz answers with a Ditto Protocol response: ok when its status is 2xx. */
const parseAnswer = (text) => {
  const msg = JSON.parse(text);
  return { id: msg.headers?.['correlation-id'], ok: typeof msg.status === 'number' && msg.status < 300 };
};
/** The echo sends the command itself back. */
const parseEcho = (text) => ({ id: JSON.parse(text).headers?.['correlation-id'], ok: true });

const shapeName = (s) => `${s.sessions} session${s.sessions > 1 ? 's' : ''} × ${s.window} in flight`;

export default {
  id: 'ws-modify',
  title: 'WebSocket modify (Ditto Protocol, pipelined)',
  order: 60,
  uses: ['egiz-rest'],
  targetText: '≥ 30,000/s',
  async run(ctx) {
    const available = await ctx.probe((server) =>
      probeWs(`ws://127.0.0.1:${server.port}/ws/2`, ctx.authHeaders),
    );
    const echo = await ctx.startBaseline('ws-echo');
    const baselines = [];
    const namespace = 'bench.rest';
    const count = ctx.sizes.restTwins;
    for (const shape of SHAPES) {
      ctx.log(`echo baseline: ${shapeName(shape)}`);
      baselines.push(
        ctx.check(
          await ctx.loadWs(echo, {
            url: `ws://127.0.0.1:${echo.port}/`,
            ...shape,
            message: modifyMessage(namespace, count),
            parse: parseEcho,
          }),
          'ws echo baseline',
        ),
      );
    }
    await ctx.stop(echo);

    const rowOf = (shape, i, result) => {
      const row = ctx.loadRow({
        name: `WebSocket modify, ${shapeName(shape)}`,
        result: result ?? { throughput: null, latency: undefined, requests: 0, errors: 0, seconds: 0 },
        baseline: baselines[i],
        baselineName: 'raw ws echo',
        targets: [{ what: 'measured', op: '>=', value: 30000, text: '≥ 30,000/s' }],
      });
      if (!result)
        Object.assign(row, {
          measured: null,
          ratio: null,
          verdict: 'n/a',
          server: undefined,
          client: undefined,
        });
      return row;
    };

    if (available !== true) {
      const u = ctx.unavailable(`/ws/2: ${available}`);
      u.rows = SHAPES.map((shape, i) => rowOf(shape, i, undefined));
      throw u;
    }

    const egiz = await ctx.fixture('egiz-rest');
    const rows = [];
    for (const [i, shape] of SHAPES.entries()) {
      ctx.log(`Egiz: ${shapeName(shape)}`);
      const result = ctx.check(
        await ctx.loadWs(egiz.server, {
          url: `ws://127.0.0.1:${egiz.server.port}/ws/2`,
          ...shape,
          message: modifyMessage(egiz.namespace, egiz.count),
          parse: parseAnswer,
        }),
        'Egiz ws modify',
      );
      rows.push(rowOf(shape, i, result));
    }
    return rows;
  },
};
