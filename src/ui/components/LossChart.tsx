/** Live loss curves (recharts): one line per named loss — loss/validation for tVAE, generator/critic for CTGAN. */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LossPoint } from '../store';

const COLORS: Record<string, string> = { loss: '#0b6e75', validation: '#b35c00', generator: '#0b6e75', critic: '#7a3fb0' };
const LABELS: Record<string, string> = { loss: 'Training loss', validation: 'Validation loss', generator: 'Generator', critic: 'Critic' };

export function LossChart({ history }: { history: LossPoint[] }) {
  const keys = [...new Set(history.flatMap((p) => Object.keys(p).filter((k) => k !== 'epoch')))];
  if (history.length === 0) return null;
  return (
    <figure className="chart" data-testid="loss-chart" aria-label="Loss per epoch">
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={history} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e3e8ee" />
          <XAxis dataKey="epoch" tick={{ fontSize: 12 }} label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fontSize: 12 }} />
          <YAxis tick={{ fontSize: 12 }} width={56} domain={['auto', 'auto']} tickFormatter={(v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2))} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} />
          <Legend wrapperStyle={{ fontSize: 13 }} />
          {keys.map((k) => (
            <Line key={k} type="monotone" dataKey={k} name={LABELS[k] ?? k} stroke={COLORS[k] ?? '#445'} dot={false} strokeWidth={2} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="muted small">
        {keys.includes('critic')
          ? 'CTGAN: the critic scores real against synthetic rows; the generator tries to fool it. Curves that settle, rather than fall to zero, are normal for a GAN.'
          : 'Lower is better. The curve should fall quickly, then flatten.'}
      </figcaption>
    </figure>
  );
}
