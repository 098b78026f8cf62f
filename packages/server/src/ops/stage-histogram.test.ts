import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StageHistogram } from './stage-histogram.js';

describe('StageHistogram', () => {
  it('exports cumulative buckets, sum and count per label value in the Prometheus text format', async () => {
    const registry = new Registry();
    const h = new StageHistogram<'a' | 'b'>({
      name: 'x_seconds',
      help: 'help text',
      labelName: 'stage',
      buckets: [0.01, 0.001, 0.1],
      registers: [registry],
    });
    const a = h.labels('a');
    h.labels('b');
    for (const v of [0.0005, 0.001, 0.002, 0.05, 3]) a.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('# HELP x_seconds help text\n# TYPE x_seconds histogram');
    const lines = text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'x_seconds_bucket{le="0.001",stage="a"} 2',
        'x_seconds_bucket{le="0.01",stage="a"} 3',
        'x_seconds_bucket{le="0.1",stage="a"} 4',
        'x_seconds_bucket{le="+Inf",stage="a"} 5',
        'x_seconds_count{stage="a"} 5',
        // A series exists from its creation, with zeros.
        'x_seconds_bucket{le="+Inf",stage="b"} 0',
        'x_seconds_count{stage="b"} 0',
      ]),
    );
    const sum = Number(/x_seconds_sum\{stage="a"\} (\S+)/.exec(text)?.[1]);
    expect(sum).toBeCloseTo(3.0535, 9);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('x_seconds_count{stage="a"} 0');
  });
});
