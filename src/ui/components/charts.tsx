/** Report charts: score gauge, per-column overlays (recharts), association heatmaps (SVG). */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ColumnChart } from '../../core/evaluate';

export const REAL = '#0b6e75';
export const SYNTHETIC = '#c2640a';

export function scoreTone(v: number): 'good' | 'fair' | 'poor' {
  return v >= 0.85 ? 'good' : v >= 0.7 ? 'fair' : 'poor';
}
const TONE_COLOR = { good: '#2f7d3b', fair: '#a26700', poor: '#a3262a' };

/** A half-ring gauge for a 0–1 score. */
export function Gauge({ value, label, testId, size = 150 }: { value: number; label: string; testId?: string; size?: number }) {
  const v = Math.max(0, Math.min(1, Number.isFinite(value) ? value : 0));
  const r = size / 2 - 12;
  const cx = size / 2;
  const cy = size / 2 + 4;
  const arc = (t: number) => {
    const a = Math.PI * (1 - t);
    return [cx + r * Math.cos(a), cy - r * Math.sin(a)];
  };
  const [x0, y0] = arc(0);
  const [x1, y1] = arc(v);
  const [xe, ye] = arc(1);
  const tone = scoreTone(v);
  return (
    <figure className="gauge" data-testid={testId}>
      <svg width={size} height={size / 2 + 20} role="img" aria-label={`${label}: ${(v * 100).toFixed(1)} percent`}>
        <path d={`M ${x0} ${y0} A ${r} ${r} 0 0 1 ${xe} ${ye}`} stroke="#e3e8ee" strokeWidth={14} fill="none" strokeLinecap="round" />
        {v > 0 && <path d={`M ${x0} ${y0} A ${r} ${r} 0 0 1 ${x1} ${y1}`} stroke={TONE_COLOR[tone]} strokeWidth={14} fill="none" strokeLinecap="round" />}
        <text x={cx} y={cy - 6} textAnchor="middle" fontSize={size / 6} fontWeight={700} fill="#17232f">
          {(v * 100).toFixed(1)}%
        </text>
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function fmtEdge(x: number, kind: string): string {
  if (kind === 'datetime') return new Date(x).toISOString().slice(0, 10);
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Real and synthetic distributions of one column, overlaid: histogram bins or category bars. */
export function ColumnOverlay({ chart }: { chart: ColumnChart }) {
  const data =
    chart.type === 'histogram'
      ? chart.real.map((r, i) => ({ label: `${fmtEdge(chart.edges[i], chart.kind)}–${fmtEdge(chart.edges[i + 1], chart.kind)}`, real: r, synthetic: chart.synthetic[i] }))
      : chart.labels.map((l, i) => ({ label: l, real: chart.real[i], synthetic: chart.synthetic[i] }));
  return (
    <ResponsiveContainer width="100%" height={170}>
      <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }} barGap={0} barCategoryGap={chart.type === 'histogram' ? 1 : '15%'}>
        <CartesianGrid stroke="#eef1f4" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 11 }} interval="preserveStartEnd" minTickGap={8} />
        <YAxis tick={{ fontSize: 11 }} width={40} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : String(v))} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="real" name="Real" fill={REAL} isAnimationActive={false} />
        <Bar dataKey="synthetic" name="Synthetic" fill={SYNTHETIC} fillOpacity={0.85} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

function mix(a: [number, number, number], b: [number, number, number], t: number): string {
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
const WHITE: [number, number, number] = [255, 255, 255];
const POS: [number, number, number] = [11, 110, 117];
const NEG: [number, number, number] = [122, 63, 176];
const V_COLOR: [number, number, number] = [47, 125, 59];

/** A matrix of associations (Pearson r signed, Cramér's V in green) or of their differences. */
export function Heatmap({
  title,
  columns,
  values,
  measure,
  difference = false,
  testId,
}: {
  title: string;
  columns: string[];
  values: (number | null)[][];
  measure: ('r' | 'v' | '')[][];
  difference?: boolean;
  testId?: string;
}) {
  const n = columns.length;
  const cell = Math.max(10, Math.min(26, Math.floor(300 / Math.max(1, n))));
  const labelW = Math.min(110, 8 + 7 * Math.max(...columns.map((c) => Math.min(c.length, 14))));
  const w = labelW + n * cell + 4;
  const h = labelW + n * cell + 4;
  const color = (v: number | null, m: string) => {
    if (v === null || !Number.isFinite(v)) return '#f1f3f5';
    if (difference) return v >= 0 ? mix(WHITE, [194, 100, 10], Math.min(1, v)) : mix(WHITE, [26, 95, 209], Math.min(1, -v));
    if (m === 'v') return mix(WHITE, V_COLOR, Math.min(1, v));
    return v >= 0 ? mix(WHITE, POS, Math.min(1, v)) : mix(WHITE, NEG, Math.min(1, -v));
  };
  const short = (s: string) => (s.length > 14 ? s.slice(0, 13) + '…' : s);
  return (
    <figure className="heatmap" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg width={w} height={h} role="img" aria-label={`${title}, ${n} by ${n} columns`}>
        {columns.map((c, i) => (
          <text key={`r${i}`} x={labelW - 4} y={labelW + i * cell + cell * 0.7} fontSize={11} textAnchor="end" fill="#34414e">
            {short(c)}
          </text>
        ))}
        {columns.map((c, j) => (
          <text
            key={`c${j}`}
            fontSize={11}
            fill="#34414e"
            transform={`translate(${labelW + j * cell + cell * 0.7}, ${labelW - 4}) rotate(-60)`}
          >
            {short(c)}
          </text>
        ))}
        {values.map((row, i) =>
          row.map((v, j) => (
            <rect key={`${i}-${j}`} x={labelW + j * cell} y={labelW + i * cell} width={cell - 1} height={cell - 1} fill={color(v, measure[i]?.[j] ?? '')}>
              <title>
                {columns[i]} × {columns[j]}: {v === null ? 'n/a' : v.toFixed(3)} {measure[i]?.[j] === 'v' ? "(Cramér's V)" : measure[i]?.[j] === 'r' ? '(Pearson r)' : ''}
              </title>
            </rect>
          )),
        )}
      </svg>
    </figure>
  );
}
