// The trend charts, drawn by uPlot (a small, fast library for live time series): the
// header's events/s and slowest-lag chart, and one sparkline per plugin. The series come
// from the store's `trends` slice (one point every 5 s, the last hour), so a chart redraws
// at most every 5 s whatever the event rate.

import { memo, useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendPoint } from '../../../electron/contract.js';
import { count } from '../format.js';
import { useStore } from '../store.js';

type Series = Array<{ label: string; values: Array<number | null>; stroke: string; scale: string }>;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** One uPlot chart without axes (a sparkline), updated in place when its data changes. */
function MiniChart({ xs, series, width, height, label }: { xs: number[]; series: Series; width: number; height: number; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.scale}`).join('|');
  const data = useMemo<uPlot.AlignedData>(() => [xs, ...series.map((s) => s.values)], [xs, series]);
  // The chart is rebuilt only when its shape or size changes; it reads the latest series and
  // data through these, and new data goes in through setData below.
  const latest = useRef({ series, data });
  useEffect(() => {
    latest.current = { series, data };
  }, [series, data]);

  useEffect(() => {
    if (!host.current) return;
    const { series, data } = latest.current;
    const scales: uPlot.Scales = { x: { time: true } };
    for (const s of series) scales[s.scale] = { range: (_u, _min, max) => [0, Math.max(1, max ?? 1)] };
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, ...series.map(() => ({ show: false }))],
      scales,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, scale: s.scale, points: { show: false } }))],
    };
    // uPlot adds a window listener per chart that destroy() removes; redraws (setData) add
    // none (docs/performance.md, "UI event listeners").
    const u = new uPlot(opts, data, host.current);
    chart.current = u;
    return () => {
      u.destroy();
      chart.current = null;
    };
  }, [shape, width, height]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return <div className="mini-chart" ref={host} role="img" aria-label={label} data-points={xs.length} />;
}

const secondsOf = (points: readonly TrendPoint[]) => points.map((p) => p.t / 1000);

/** The header's chart: events/s and the slowest plugin's lag over the last hour. */
export function TrendChart() {
  const trends = useStore((s) => s.trends);
  const xs = useMemo(() => secondsOf(trends), [trends]);
  const series = useMemo<Series>(
    () => [
      { label: 'events/s', values: trends.map((p) => p.eventsPerSecond), stroke: cssVar('--accent', '#2563eb'), scale: 'rate' },
      { label: 'slowest lag', values: trends.map((p) => p.maxLag), stroke: cssVar('--warn', '#b45309'), scale: 'lag' },
    ],
    [trends],
  );
  const last = trends[trends.length - 1];
  const label = last
    ? `Trend over the last ${Math.max(1, Math.round((last.t - trends[0]!.t) / 60_000))} min: ${count(last.eventsPerSecond)} events/s, slowest lag ${count(last.maxLag)} events`
    : 'Trend: no samples yet';
  return (
    <div
      className="trend"
      data-testid="header-trend"
      title={`${label}\nBlue: events/s · amber: slowest plugin's lag (events). One sample every 5 s.`}
    >
      <MiniChart xs={xs} series={series} width={160} height={34} label={label} />
      <span className="trend-legend muted" aria-hidden="true">
        <span className="key key-rate" /> ev/s <span className="key key-lag" /> lag
      </span>
    </div>
  );
}

/** One plugin's lag (events) and callback p95 over the last hour. */
export const Sparkline = memo(function Sparkline({ plugin }: { plugin: string }) {
  const trends = useStore((s) => s.trends);
  const mine = useMemo(() => trends.filter((p) => p.plugins[plugin]), [trends, plugin]);
  const xs = useMemo(() => secondsOf(mine), [mine]);
  const series = useMemo<Series>(
    () => [
      { label: 'lag', values: mine.map((p) => p.plugins[plugin]!.lag), stroke: cssVar('--warn', '#b45309'), scale: 'lag' },
      { label: 'p95', values: mine.map((p) => p.plugins[plugin]!.p95), stroke: cssVar('--accent', '#2563eb'), scale: 'ms' },
    ],
    [mine, plugin],
  );
  const last = mine[mine.length - 1]?.plugins[plugin];
  const label = last
    ? `${plugin}: lag ${count(last.lag)} events, p95 ${last.p95 === null ? '–' : `${Math.round(last.p95)} ms`}`
    : `${plugin}: no samples yet`;
  return (
    <span className="sparkline" data-testid="plugin-sparkline" title={`${label} (amber: lag, blue: p95; last hour)`}>
      <MiniChart xs={xs} series={series} width={96} height={22} label={label} />
    </span>
  );
});
