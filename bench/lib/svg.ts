// The latency chart of BENCHMARKS.md, drawn here as plain SVG (no chart library, no service): latency
// percentiles of a whole activation and of submitOtp against load (concurrency, log scale), medians over
// the repeated runs with min-max whiskers, and completed activations per second in a second panel.
import type { Percentiles, ThroughputLevel } from '../throughput';

const W = 860;
const H = 560;
const M = { left: 70, right: 190, top: 50, bottom: 60 };
const PANEL_GAP = 50;
const TOP_H = 300;
const BOTTOM_H = H - M.top - M.bottom - TOP_H - PANEL_GAP;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} s` : `${Math.round(v)} ms`);

interface Series {
  label: string;
  color: string;
  dash?: string;
  pick: (level: ThroughputLevel) => { median: number; min: number; max: number };
}

function percentileOf(which: 'total' | 'submitOtp' | 'start', p: keyof Percentiles) {
  return (level: ThroughputLevel) => ({
    median: level[which].median[p],
    min: level[which].min[p],
    max: level[which].max[p],
  });
}

export function latencyChartSvg(levels: ThroughputLevel[], subtitle: string): string {
  const xs = levels.map((l) => l.concurrency);
  const series: Series[] = [
    { label: 'activation p50', color: '#1f77b4', pick: percentileOf('total', 'p50') },
    { label: 'activation p95', color: '#1f77b4', dash: '6 3', pick: percentileOf('total', 'p95') },
    { label: 'activation p99', color: '#1f77b4', dash: '2 3', pick: percentileOf('total', 'p99') },
    { label: 'submitOtp p50', color: '#d62728', pick: percentileOf('submitOtp', 'p50') },
    { label: 'submitOtp p95', color: '#d62728', dash: '6 3', pick: percentileOf('submitOtp', 'p95') },
    { label: 'submitOtp p99', color: '#d62728', dash: '2 3', pick: percentileOf('submitOtp', 'p99') },
    { label: 'start p99', color: '#2ca02c', dash: '2 3', pick: percentileOf('start', 'p99') },
  ];
  const values = series
    .flatMap((s) => levels.flatMap((l) => [s.pick(l).min, s.pick(l).max]))
    .filter((v) => Number.isFinite(v) && v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...values))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const plotW = W - M.left - M.right;
  const xMinLog = Math.log10(Math.min(...xs));
  const xMaxLog = Math.log10(Math.max(...xs));
  const x = (c: number) =>
    M.left + (xMaxLog === xMinLog ? plotW / 2 : ((Math.log10(c) - xMinLog) / (xMaxLog - xMinLog)) * plotW);
  const y = (v: number) =>
    M.top + TOP_H - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * TOP_H;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${M.left}" y="22" font-size="16" font-weight="bold">Latency percentiles against load (closed loop, concurrency = users)</text>`,
  );
  out.push(`<text x="${M.left}" y="40" fill="#555">${esc(subtitle)}</text>`);

  // Top panel: grid and axes.
  for (let d = Math.log10(yMin); d <= Math.log10(yMax) + 1e-9; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v < yMin || v > yMax) continue;
      out.push(
        `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`,
      );
      out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#333">${fmt(v)}</text>`);
    }
  }
  for (const c of xs) {
    out.push(`<line x1="${x(c)}" x2="${x(c)}" y1="${M.top}" y2="${M.top + TOP_H}" stroke="#eee"/>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${TOP_H}" fill="none" stroke="#333"/>`);
  out.push(
    `<text transform="translate(18 ${M.top + TOP_H / 2}) rotate(-90)" text-anchor="middle">latency (log scale)</text>`,
  );
  // The goal line for submitOtp p99.
  if (150 >= yMin && 150 <= yMax) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(150)}" y2="${y(150)}" stroke="#d62728" stroke-width="1" opacity="0.5"/>`,
    );
    out.push(
      `<text x="${M.left + plotW - 4}" y="${y(150) - 4}" text-anchor="end" fill="#d62728" opacity="0.8">goal: submitOtp p99 &lt; 150 ms</text>`,
    );
  }

  // Series with whiskers (min-max over repeated runs).
  for (const s of series) {
    const points = levels
      .map((l) => ({ c: l.concurrency, ...s.pick(l) }))
      .filter((p) => Number.isFinite(p.median) && p.median > 0);
    if (points.length === 0) continue;
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${points.map((p) => `${x(p.c).toFixed(1)},${y(p.median).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of points) {
      out.push(`<circle cx="${x(p.c).toFixed(1)}" cy="${y(p.median).toFixed(1)}" r="3" fill="${s.color}"/>`);
      if (p.max > p.min && p.min > 0) {
        out.push(
          `<line x1="${x(p.c)}" x2="${x(p.c)}" y1="${y(p.min).toFixed(1)}" y2="${y(p.max).toFixed(1)}" stroke="${s.color}" opacity="0.5"/>`,
        );
      }
    }
  }
  // Legend.
  series.forEach((s, i) => {
    const ly = M.top + 10 + i * 20;
    const lx = M.left + plotW + 16;
    out.push(
      `<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    out.push(`<text x="${lx + 34}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push(
    `<text x="${M.left + plotW + 16}" y="${M.top + 10 + series.length * 20 + 10}" fill="#555">bars: min-max over runs</text>`,
  );

  // Bottom panel: throughput.
  const top2 = M.top + TOP_H + PANEL_GAP;
  const rates = levels.flatMap((l) => [l.perSecond.max, 40]);
  const rMax = Math.max(...rates) * 1.15;
  const ry = (v: number) => top2 + BOTTOM_H - (v / rMax) * BOTTOM_H;
  out.push(`<rect x="${M.left}" y="${top2}" width="${plotW}" height="${BOTTOM_H}" fill="none" stroke="#333"/>`);
  const step = rMax <= 60 ? 10 : rMax <= 150 ? 25 : 50;
  for (let v = 0; v < rMax; v += step) {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${ry(v)}" y2="${ry(v)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${ry(v) + 4}" text-anchor="end">${v.toFixed(0)}/s</text>`);
  }
  out.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${ry(40)}" y2="${ry(40)}" stroke="#2ca02c" opacity="0.6"/>`,
  );
  out.push(
    `<text x="${M.left + plotW - 4}" y="${ry(40) - 4}" text-anchor="end" fill="#2ca02c">goal: 40 activations/s</text>`,
  );
  out.push(
    `<polyline fill="none" stroke="#333" stroke-width="2" points="${levels.map((l) => `${x(l.concurrency).toFixed(1)},${ry(l.perSecond.median).toFixed(1)}`).join(' ')}"/>`,
  );
  for (const l of levels) {
    out.push(`<circle cx="${x(l.concurrency)}" cy="${ry(l.perSecond.median)}" r="3" fill="#333"/>`);
    out.push(
      `<line x1="${x(l.concurrency)}" x2="${x(l.concurrency)}" y1="${ry(l.perSecond.min)}" y2="${ry(l.perSecond.max)}" stroke="#333" opacity="0.5"/>`,
    );
    out.push(`<text x="${x(l.concurrency) + 6}" y="${ry(l.perSecond.median) - 6}">${l.perSecond.median}/s</text>`);
    out.push(`<text x="${x(l.concurrency)}" y="${top2 + BOTTOM_H + 18}" text-anchor="middle">${l.concurrency}</text>`);
  }
  out.push(
    `<text transform="translate(18 ${top2 + BOTTOM_H / 2}) rotate(-90)" text-anchor="middle">completed/s</text>`,
  );
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 14}" text-anchor="middle">concurrent users (log scale)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
