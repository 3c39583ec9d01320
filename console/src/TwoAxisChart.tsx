/**
 * A time chart with two measures, one axis each (left and right), a clock on the time axis and
 * gridlines; optionally a dashed limit line on the left axis (the rate cap); the values at a point
 * under the pointer, or moved to with the arrow keys, read out above the caption. The lag chart and
 * the throughput chart are both drawn with it. SVG rather than a canvas library: its axes are text
 * a screen reader, axe and the tests can read.
 */
import { useState, type KeyboardEvent, type MouseEvent } from 'react';

export interface Axis {
  /** The unit on the axis labels and in the caption, e.g. "MB/s". */
  unit: string;
  /** The CSS class of the line and its labels (its colour). */
  className: string;
  values: number[];
}

/** A round number at or above `v` (1, 2 or 5 times a power of ten): the top of an axis. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const f = v / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

const axisNumber = (v: number) => Number(v.toPrecision(3)).toLocaleString();
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function TwoAxisChart({ times, left, right, limit, label, testId, className, children }: {
  times: number[];
  left: Axis;
  right: Axis;
  /** A limit on the left axis's measure, drawn dashed (null: none). */
  limit?: number | null;
  /** What the chart shows, for a screen reader. */
  label: string;
  testId?: string;
  className?: string;
  /** The caption. */
  children: React.ReactNode;
}) {
  const W = 640, H = 220, L = 58, R = 70, T = 14, B = 30;
  const pw = W - L - R, ph = H - T - B;
  const t0 = times[0];
  const span = Math.max(1, times[times.length - 1] - t0);
  const maxL = niceMax(Math.max(1, limit ?? 0, ...left.values));
  const maxR = niceMax(Math.max(1, ...right.values));
  const x = (t: number) => L + ((t - t0) / span) * pw;
  const y = (v: number, max: number) => T + ph - (Math.min(v, max) / max) * ph;
  const line = (values: number[], max: number) => values.map((v, i) => `${x(times[i]).toFixed(1)},${y(v, max).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  // a clock label every quarter, or only at the ends while the chart covers a few seconds
  const timeTicks = span >= 4000 ? ticks : [0, 1];
  // the point read out: the one nearest the pointer, or moved to with the keys
  const [at, setAt] = useState<number | null>(null);
  const i = at === null ? null : Math.min(at, times.length - 1);
  const nearest = (e: MouseEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const t = t0 + (((e.clientX - r.left) / r.width) * W - L) / pw * span;
    let best = 0;
    times.forEach((u, k) => { if (Math.abs(u - t) < Math.abs(times[best] - t)) best = k; });
    setAt(best);
  };
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    const last = times.length - 1;
    const to = { ArrowLeft: Math.max(0, (i ?? last + 1) - 1), ArrowRight: Math.min(last, (i ?? -1) + 1), Home: 0, End: last }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    setAt(to);
  };
  return (
    <figure className={`chart axes-chart ${className ?? ''}`} data-testid={testId}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${label} (arrow keys read the points)`} tabIndex={0}
        onMouseMove={nearest} onMouseLeave={() => setAt(null)} onKeyDown={onKey} onBlur={() => setAt(null)}>
        <rect x={L} y={T} width={pw} height={ph} className="plot" />
        {ticks.map((f) => (
          <g key={f}>
            <line x1={L} x2={L + pw} y1={T + ph - f * ph} y2={T + ph - f * ph} className="grid" />
            <text x={L - 6} y={T + ph - f * ph + 4} textAnchor="end" className={`axis ${left.className}`}>{axisNumber(f * maxL)} {left.unit}</text>
            <text x={L + pw + 6} y={T + ph - f * ph + 4} textAnchor="start" className={`axis ${right.className}`}>{axisNumber(f * maxR)} {right.unit}</text>
          </g>
        ))}
        {timeTicks.map((f) => (
          <g key={f}>
            <line x1={L + f * pw} x2={L + f * pw} y1={T + ph} y2={T + ph + 4} className="grid" />
            <text x={L + f * pw} y={H - 10} textAnchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'} className="axis">{clock(t0 + f * span)}</text>
          </g>
        ))}
        {limit ? <line x1={L} x2={L + pw} y1={y(limit, maxL)} y2={y(limit, maxL)} className={`limit ${left.className}`} data-testid="limit-line" /> : null}
        <polyline points={line(left.values, maxL)} className={left.className} />
        <polyline points={line(right.values, maxR)} className={right.className} />
        {i !== null && (
          <g className="cursor">
            <line x1={x(times[i])} x2={x(times[i])} y1={T} y2={T + ph} />
            <circle cx={x(times[i])} cy={y(left.values[i], maxL)} r={3.5} className={left.className} />
            <circle cx={x(times[i])} cy={y(right.values[i], maxR)} r={3.5} className={right.className} />
          </g>
        )}
      </svg>
      <p className="readout small" aria-live="polite" data-testid="chart-readout">
        {i === null ? '\u00a0' : `${clock(times[i])}: ${axisNumber(left.values[i])} ${left.unit}, ${axisNumber(right.values[i])} ${right.unit}`}
      </p>
      <figcaption>{children}</figcaption>
    </figure>
  );
}
