/**
 * @module Targets, verdicts and the two outputs of a run: the JSON document (every number, for
 * tools and history) and the markdown table (for people, stdout and docs/performance.md).
 */

/**
 * A target on one quantity of a row: 'measured' (the row's main value), 'p99' (ms) or 'ratio'
 * (Egiz/baseline).
 * @typedef {{ what: 'measured' | 'p99' | 'ratio', op: '>=' | '<=' | '<' | '>', value: number, text: string }} Target
 */

const OPS = {
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
};

/** PASS when every target holds, MISS when one does not, null when the row has no target. */
export function verdictOf(row) {
  if (!row.targets?.length) return null;
  for (const t of row.targets) {
    const value = t.what === 'measured' ? row.measured : t.what === 'p99' ? row.latency?.p99 : row.ratio;
    if (value === undefined || value === null || !OPS[t.op](value, t.value)) return 'MISS';
  }
  return 'PASS';
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A number with its unit, as people read it. */
export function formatValue(value, unit) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  switch (unit) {
    case '/s':
      return `${int.format(value)}/s`;
    case 'ms':
      return `${formatMs(value)} ms`;
    case 'MB':
      return `${value.toFixed(1)} MB`;
    case 'B/twin':
      return `${int.format(value)} B/twin`;
    default:
      return `${int.format(value)} ${unit}`;
  }
}

export function formatMs(ms) {
  if (ms === undefined || ms === null) return '—';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return int.format(ms);
}

function latencyCell(l) {
  return l ? `${formatMs(l.p50)} / ${formatMs(l.p99)} / ${formatMs(l.max)}` : '—';
}

function cpuCell(row) {
  const s = row.server?.cpuPct;
  const c = row.client?.cpuPct;
  if (s === undefined || s === null) return '—';
  return c === undefined || c === null ? `${Math.round(s)} %` : `${Math.round(s)} % / ${Math.round(c)} %`;
}

function escape(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export const TABLE_HEADER = [
  'Scenario',
  'Target',
  'Measured',
  'p50 / p99 / max (ms)',
  'Baseline',
  'Egiz/baseline',
  'CPU server / gen',
  'RSS peak',
  'Verdict',
];

/** One markdown table of every row of every scenario (unavailable and failed scenarios included). */
export function markdownTable(scenarios) {
  const lines = [`| ${TABLE_HEADER.join(' | ')} |`, `| ${TABLE_HEADER.map(() => '---').join(' | ')} |`];
  for (const s of scenarios) {
    if (s.status === 'unavailable' || s.status === 'error') {
      const what = s.status === 'unavailable' ? `not available yet: ${s.reason}` : `ERROR: ${s.reason}`;
      const target = s.targetText ?? '—';
      const verdict = s.status === 'unavailable' ? 'n/a' : '**ERROR**';
      lines.push(
        `| ${escape(s.title)} | ${escape(target)} | ${escape(what.slice(0, 200))} | — | — | — | — | — | ${verdict} |`,
      );
    }
    for (const r of s.rows ?? []) {
      const cells = [
        r.name,
        r.targets?.length ? r.targets.map((t) => t.text).join(', ') : '—',
        formatValue(r.measured, r.unit),
        latencyCell(r.latency),
        r.baseline ? formatValue(r.baseline.measured, r.unit) : '—',
        r.ratio === undefined || r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
        cpuCell(r),
        r.server?.rssPeakMb === undefined || r.server?.rssPeakMb === null
          ? '—'
          : `${Math.round(r.server.rssPeakMb)} MB`,
        r.verdict ?? '—',
      ];
      lines.push(`| ${cells.map(escape).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** Notes under the table: what each row's numbers mean beyond the columns. */
export function markdownNotes(scenarios) {
  const notes = [];
  for (const s of scenarios) {
    for (const r of s.rows ?? []) if (r.notes) notes.push(`- **${r.name}**: ${r.notes}`);
    if (s.status === 'unavailable' && s.baselineOnly) notes.push(`- **${s.title}**: ${s.baselineOnly}`);
  }
  return notes.join('\n');
}

export function markdownReport(doc) {
  const m = doc.machine;
  const header = [
    `# Egiz benchmark — ${doc.mode} run, ${doc.date}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores${m.cpuMhz ? ` @ ${m.cpuMhz} MHz` : ''}, ${m.memoryGb} GB RAM, ${m.kernel}; ` +
      `Node ${m.node}, Fastify ${m.fastify}, better-sqlite3 ${m.betterSqlite3}, ws ${m.ws}; ` +
      `data on ${m.dataFilesystem.type} (${m.dataFilesystem.mountPoint}); load average ${m.loadAverage.join(' ')} at start; ` +
      `commit ${m.git ?? 'unknown'}.`,
    `Load: closed loop, ${doc.settings.connections} connections, ${doc.settings.client} client, ` +
      `${doc.settings.durationMs / 1000} s measured after ${doc.settings.warmupMs / 1000} s warm-up; ` +
      `CPU in % of one core (server / load generator). Ratios are Egiz/baseline of the measured value.`,
    '',
  ];
  const notes = markdownNotes(doc.scenarios);
  return [...header, markdownTable(doc.scenarios), '', ...(notes ? ['Notes:', '', notes, ''] : [])].join(
    '\n',
  );
}
