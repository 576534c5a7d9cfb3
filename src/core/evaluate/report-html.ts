/**
 * The fidelity report as one self-contained HTML page: inline CSS and inline SVG, no scripts, no fonts or
 * images from anywhere, so it opens offline and can be mailed. DOM-free string building.
 */
import type { ColumnChart } from './charts';
import type { EvaluationReport } from './index';
import type { UtilityMetrics } from './utility';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

const REAL = '#2b6cb0';
const SYN = '#dd6b20';

/** Verdict words for a 0..1 score, as SDMetrics' guidance reads. */
function verdict(score: number): { word: string; cls: string } {
  if (!Number.isFinite(score)) return { word: 'n/a', cls: 'mid' };
  if (score >= 0.9) return { word: 'excellent', cls: 'good' };
  if (score >= 0.8) return { word: 'good', cls: 'good' };
  if (score >= 0.65) return { word: 'fair', cls: 'mid' };
  return { word: 'poor', cls: 'bad' };
}

function gauge(label: string, score: number, help: string): string {
  const v = Math.max(0, Math.min(1, Number.isFinite(score) ? score : 0));
  // half-circle arc from 180° to 0°
  const r = 52;
  const cx = 64;
  const cy = 64;
  const a = Math.PI * (1 - v);
  const x = cx + r * Math.cos(a);
  const y = cy - r * Math.sin(a);
  const { word, cls } = verdict(score);
  return `<figure class="gauge"><svg viewBox="0 0 128 76" width="180" height="107" role="img" aria-label="${esc(label)} ${pct(score)}">
<path d="M12 64 A52 52 0 0 1 116 64" fill="none" stroke="#e2e8f0" stroke-width="12"/>
${v > 0 ? `<path d="M12 64 A52 52 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}" fill="none" class="arc-${cls}" stroke-width="12"/>` : ''}
<text x="64" y="60" text-anchor="middle" class="gv">${pct(score)}</text></svg>
<figcaption><b>${esc(label)}</b> <span class="tag ${cls}">${word}</span><br><small>${esc(help)}</small></figcaption></figure>`;
}

function columnChart(c: ColumnChart, w = 300, h = 120): string {
  const pad = 18;
  const real = c.real;
  const syn = c.synthetic;
  const n = real.length;
  if (n === 0) return '<p class="muted">no values</p>';
  const max = Math.max(1e-12, ...real, ...syn);
  const bw = (w - 2) / n;
  let bars = '';
  for (let i = 0; i < n; i++) {
    const x = 1 + i * bw;
    const hr = ((h - pad) * real[i]) / max;
    const hs = ((h - pad) * syn[i]) / max;
    const title = c.type === 'bars' ? c.labels[i] : `${fmtEdge(c, c.edges[i])} – ${fmtEdge(c, c.edges[i + 1])}`;
    bars += `<g><title>${esc(title)}: real ${pct(real[i])}, synthetic ${pct(syn[i])}</title>`;
    if (c.type === 'bars') {
      bars += `<rect x="${(x + bw * 0.08).toFixed(1)}" y="${(h - pad - hr).toFixed(1)}" width="${(bw * 0.42).toFixed(1)}" height="${hr.toFixed(1)}" fill="${REAL}"/>`;
      bars += `<rect x="${(x + bw * 0.5).toFixed(1)}" y="${(h - pad - hs).toFixed(1)}" width="${(bw * 0.42).toFixed(1)}" height="${hs.toFixed(1)}" fill="${SYN}"/>`;
    } else {
      bars += `<rect x="${x.toFixed(1)}" y="${(h - pad - hr).toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${hr.toFixed(1)}" fill="${REAL}" fill-opacity="0.55"/>`;
      bars += `<rect x="${x.toFixed(1)}" y="${(h - pad - hs).toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${hs.toFixed(1)}" fill="none" stroke="${SYN}" stroke-width="1.5"/>`;
    }
    bars += '</g>';
  }
  let axis = '';
  if (c.type === 'bars') {
    const every = Math.ceil(n / 8);
    for (let i = 0; i < n; i += every) {
      const label = c.labels[i].length > 10 ? c.labels[i].slice(0, 9) + '…' : c.labels[i];
      axis += `<text x="${(1 + i * bw + bw / 2).toFixed(1)}" y="${h - 4}" text-anchor="middle" class="ax">${esc(label)}</text>`;
    }
  } else {
    axis += `<text x="1" y="${h - 4}" class="ax">${esc(fmtEdge(c, c.edges[0]))}</text>`;
    axis += `<text x="${w - 1}" y="${h - 4}" text-anchor="end" class="ax">${esc(fmtEdge(c, c.edges[n]))}</text>`;
  }
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(c.name)}: real vs synthetic distribution">
<line x1="0" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#a0aec0"/>${bars}${axis}</svg>`;
}

function fmtEdge(c: ColumnChart, v: number | undefined): string {
  if (v === undefined) return '';
  if (c.kind === 'datetime') return new Date(v).toISOString().slice(0, 10);
  return String(+v.toPrecision(4));
}

/** Diverging colour: blue for −1, white for 0, red for +1. */
function cellColour(v: number | null, signed: boolean): string {
  if (v === null || !Number.isFinite(v)) return '#f7fafc';
  const t = Math.max(-1, Math.min(1, v));
  if (!signed) {
    // Cramér's V in green so it is not mistaken for a negative correlation
    const a = Math.abs(t);
    return `rgb(${Math.round(255 - 190 * a)},${Math.round(255 - 90 * a)},${Math.round(255 - 170 * a)})`;
  }
  if (t >= 0) {
    const k = Math.round(255 - 200 * t);
    return `rgb(255,${k},${k})`;
  }
  const k = Math.round(255 + 200 * t);
  return `rgb(${k},${k},255)`;
}

function heatmap(title: string, names: string[], m: (number | null)[][], measure: string[][], signedAll: boolean): string {
  const n = names.length;
  const cell = Math.max(10, Math.min(28, Math.floor(420 / Math.max(1, n))));
  const lab = 96;
  const size = lab + n * cell;
  let s = '';
  for (let i = 0; i < n; i++) {
    const short = names[i].length > 14 ? names[i].slice(0, 13) + '…' : names[i];
    s += `<text x="${lab - 4}" y="${lab + i * cell + cell * 0.7}" text-anchor="end" class="ax">${esc(short)}</text>`;
    s += `<text transform="translate(${lab + i * cell + cell * 0.7},${lab - 4}) rotate(-60)" class="ax">${esc(short)}</text>`;
    for (let j = 0; j < n; j++) {
      const v = m[i][j];
      const signed = signedAll || measure[i][j] === 'r';
      s += `<rect x="${lab + j * cell}" y="${lab + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${cellColour(v, signed)}"><title>${esc(names[i])} × ${esc(names[j])}: ${num(v, 2)}${measure[i][j] ? ` (${measure[i][j] === 'r' ? "Pearson r" : "Cramér's V"})` : ''}</title></rect>`;
    }
  }
  return `<figure class="heat"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${size} ${size}" width="${Math.min(size, 520)}" role="img" aria-label="${esc(title)}">${s}</svg></figure>`;
}

function metricsRow(label: string, real: UtilityMetrics, syn: UtilityMetrics): string {
  if ('r2' in real && 'r2' in syn)
    return `<tr><td>${esc(label)} R²</td><td>${num(real.r2)}</td><td>${num(syn.r2)}</td></tr><tr><td>${esc(label)} mean abs. error</td><td>${num(real.mae)}</td><td>${num(syn.mae)}</td></tr>`;
  if ('accuracy' in real && 'accuracy' in syn)
    return (
      `<tr><td>${esc(label)} accuracy</td><td>${pct(real.accuracy)}</td><td>${pct(syn.accuracy)}</td></tr>` +
      `<tr><td>${esc(label)} macro-F1</td><td>${num(real.macroF1)}</td><td>${num(syn.macroF1)}</td></tr>` +
      `<tr><td>${esc(label)} AUC</td><td>${num(real.auc)}</td><td>${num(syn.auc)}</td></tr>`
    );
  return '';
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a202c;max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;border-bottom:1px solid #e2e8f0;padding-bottom:4px;margin-top:32px}
.muted,small{color:#4a5568}.gauges{display:flex;flex-wrap:wrap;gap:24px}.gauge{margin:0;text-align:center;max-width:260px}
.gv{font-size:18px;font-weight:700;fill:#1a202c}.arc-good{stroke:#38a169}.arc-mid{stroke:#d69e2e}.arc-bad{stroke:#e53e3e}
.tag{display:inline-block;padding:0 6px;border-radius:8px;font-size:.8em}.tag.good{background:#c6f6d5}.tag.mid{background:#fefcbf}.tag.bad{background:#fed7d7}
.cols{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:16px}.col{border:1px solid #e2e8f0;border-radius:6px;padding:8px 10px}
.col h3{font-size:1em;margin:0 0 4px;display:flex;justify-content:space-between;gap:8px;word-break:break-all}
.ax{font-size:9px;fill:#4a5568}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e2e8f0;padding:4px 8px;text-align:left}th{background:#f7fafc}
.heats{display:flex;flex-wrap:wrap;gap:16px}.heat{margin:0}.heat figcaption{font-weight:600}
.help{background:#f7fafc;border-left:4px solid #90cdf4;padding:8px 12px;margin:8px 0}.notes li{margin:2px 0}
@media print{.col{break-inside:avoid}}
`;

/** A standalone HTML page for an evaluation report (no external references; opens offline). */
export function renderReportHtml(report: EvaluationReport, options: { title?: string } = {}): string {
  const q = report.quality;
  const title = options.title ?? report.meta.title ?? 'Synthetic data fidelity report';
  const parts: string[] = [];
  parts.push(`<header><h1>${esc(title)}</h1><p class="muted">${report.meta.rows.real.toLocaleString('en')} real rows, ${report.meta.rows.synthetic.toLocaleString('en')} synthetic rows, ${report.meta.columns} columns compared · ${esc(report.meta.generatedAt.slice(0, 16).replace('T', ' '))} UTC · seed ${report.meta.seed}</p></header>`);

  parts.push(`<section><h2>Overall fidelity</h2><div class="gauges">
${gauge('Overall', q.overall, 'Average of the two parts.')}
${gauge('Column shapes', q.columnShapes, 'Does each column, on its own, have the same distribution?')}
${gauge('Column pair trends', q.columnPairTrends, 'Do pairs of columns move together as in the real data?')}
</div>
<p class="muted">Pair trends over strongly associated pairs only (|r| &gt; 0.5 or Cramér's V &gt; 0.3): <b>${pct(q.columnPairTrendsStrong)}</b>${q.columnPairTrendsStrong === null ? ' (no strongly associated pair in the real data)' : ''}.</p>
<div class="help"><b>How to read this.</b> 100% means the synthetic table reproduces the real one's statistics exactly; it does not mean any row was copied (see privacy). Column shapes compare each column's distribution (numbers: 1 − Kolmogorov–Smirnov distance; categories: 1 − total variation distance). Pair trends compare correlations between two numbers, and the joint frequency table for every other pair. These follow the SDMetrics Quality Report, so the figures are comparable with published benchmarks.</div>
${report.notes.length ? `<ul class="notes">${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</section>`);

  // per-column overlays, worst first
  const charts = new Map((q.charts?.columns ?? []).map((c) => [c.name, c]));
  const order = Object.entries(q.columns).sort((a, b) => a[1].score - b[1].score);
  let cols = '';
  for (const [name, c] of order) {
    const v = verdict(c.score);
    const chart = charts.get(name);
    cols += `<div class="col"><h3><span>${esc(name)}</span><span class="tag ${v.cls}">${pct(c.score)}</span></h3>
<small>${esc(c.kind)} · ${c.metric === 'KSComplement' ? 'KS complement' : 'TV complement'} · missing: real ${pct(c.missingReal)}, synthetic ${pct(c.missingSynthetic)}</small>
${chart ? columnChart(chart) : ''}</div>`;
  }
  parts.push(`<section><h2>Columns, worst first</h2><p class="legend muted"><span style="background:${REAL}"></span>real<span style="background:${SYN}"></span>synthetic (shares of non-missing values)</p><div class="cols">${cols}</div>
${q.skipped.length ? `<p class="muted">Not compared: ${q.skipped.map((s) => `${esc(s.name)} (${esc(s.reason)})`).join(', ')}.</p>` : ''}</section>`);

  if (q.charts) {
    const a = q.charts.associations;
    parts.push(`<section><h2>Associations between columns</h2>
<div class="help">Each cell shows how strongly two columns go together: Pearson's r (−1 to 1, blue negative, red positive) for two numeric columns, Cramér's V (0 to 1, green) for any pair involving a category (numbers cut into 10 bins). The third map is synthetic minus real: white means the synthetic data kept the relationship.</div>
<div class="heats">${heatmap('Real', a.columns, a.real, a.measure, false)}${heatmap('Synthetic', a.columns, a.synthetic, a.measure, false)}${heatmap('Difference (synthetic − real)', a.columns, a.difference, a.measure, true)}</div>
<details><summary>Pair scores, worst first</summary><table><tr><th>pair</th><th>metric</th><th>score</th><th>real</th><th>synthetic</th></tr>
${[...q.pairs]
  .sort((x, y) => (x.score ?? 2) - (y.score ?? 2))
  .map((p) => `<tr><td>${esc(p.columns[0])} × ${esc(p.columns[1])}${p.strong ? ' <b>(strong)</b>' : ''}</td><td>${p.metric}</td><td>${pct(p.score)}</td><td>${num(p.realAssociation, 2)}</td><td>${num(p.syntheticAssociation, 2)}</td></tr>`)
  .join('')}</table></details></section>`);

    const miss = q.charts.missingness.filter((m) => m.real > 0 || m.synthetic > 0);
    parts.push(`<section><h2>Missing values</h2>${
      miss.length
        ? `<table><tr><th>column</th><th>real</th><th>synthetic</th><th>difference</th></tr>${miss
            .map((m) => `<tr><td>${esc(m.name)}</td><td>${pct(m.real)}</td><td>${pct(m.synthetic)}</td><td>${pct(Math.abs(m.real - m.synthetic))}</td></tr>`)
            .join('')}</table>`
        : '<p>No missing values in either table.</p>'
    }</section>`);
  }

  if (report.detection) {
    const d = report.detection;
    parts.push(`<section><h2>Detection: can a classifier tell synthetic rows from real ones?</h2>
<table><tr><th>model</th><th>AUC</th><th>detection score</th></tr>
<tr><td>logistic regression</td><td>${num(d.models.logistic.auc)}</td><td>${pct(d.models.logistic.score)}</td></tr>
<tr><td>boosted trees</td><td>${num(d.models.boostedTrees.auc)}</td><td>${pct(d.models.boostedTrees.score)}</td></tr>
<tr><td>reference: two real samples</td><td>0.500</td><td>100%</td></tr></table>
<div class="help">Real and synthetic rows are mixed and a classifier tries to tell which is which (${d.folds}-fold cross-validation on ${d.rows.real.toLocaleString('en')} real and ${d.rows.synthetic.toLocaleString('en')} synthetic rows${d.subsampled ? ', a random subsample' : ''}). An AUC of 0.5 means it cannot do better than a coin toss (ideal); 1.0 means every synthetic row is recognisable. Score = 1 − (2·max(AUC, 0.5) − 1).</div></section>`);
  }

  if (report.utility) {
    const u = report.utility;
    parts.push(`<section><h2>Usefulness for prediction: ${esc(u.target)}</h2>
<table><tr><th>metric (${u.task})</th><th>trained on real (reference)</th><th>trained on synthetic</th></tr>
${metricsRow('boosted trees', u.models.boostedTrees.real, u.models.boostedTrees.synthetic)}
${metricsRow('logistic', u.models.logistic.real, u.models.logistic.synthetic)}</table>
<div class="help">A model is trained on the synthetic table and another on real rows; both predict <b>${esc(u.target)}</b> for the same ${u.test.rows.toLocaleString('en')} real test rows. Close numbers mean the synthetic data is as useful for this task as the real data. ${esc(u.test.note)}</div></section>`);
  }

  if (report.fairness) {
    const f = report.fairness;
    parts.push(`<section><h2>Representation and fairness: ${esc(f.protected)}</h2>
<p class="muted">Groups: ${esc(f.grouping)}.${f.erasedGroups.length ? ` <b>Missing from the synthetic table: ${f.erasedGroups.map(esc).join(', ')}.</b>` : ''}</p>
<table><tr><th>group</th><th>real share</th><th>synthetic share</th><th>column shapes within group</th></tr>
${f.groups.map((g) => `<tr><td>${esc(g.group)}</td><td>${pct(g.realShare)} (${g.realRows})</td><td>${pct(g.syntheticShare)} (${g.syntheticRows})</td><td>${pct(g.columnShapes)}</td></tr>`).join('')}</table>
${
  f.utility
    ? `<table><tr><th>prediction of “${esc(f.utility.positive)}”</th><th>trained on real</th><th>trained on synthetic</th></tr>
<tr><td>demographic parity difference</td><td>${num(f.utility.real.demographicParityDifference)}</td><td>${num(f.utility.synthetic.demographicParityDifference)}</td></tr>
<tr><td>equalized odds difference</td><td>${num(f.utility.real.equalizedOddsDifference)}</td><td>${num(f.utility.synthetic.equalizedOddsDifference)}</td></tr></table>`
    : ''
}
<div class="help">Each group should keep its share of rows and its own distributions. For the prediction model, demographic parity difference is the largest gap between groups in how often the outcome is predicted; equalized odds difference is the largest gap in true- or false-positive rate. 0 means groups are treated alike; compare the synthetic-trained model with the real-trained reference.</div></section>`);
  }

  if (report.privacy && typeof report.privacy === 'object') {
    const p = report.privacy as Record<string, unknown>;
    const g = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
    const mia = p.mia as { auc?: number } | undefined;
    const summary = p.summary as { level?: string; reasons?: string[] } | undefined;
    parts.push(`<section><h2>Privacy</h2><table>
${g('dcrShare') !== undefined ? `<tr><td>synthetic rows closer to training than to holdout rows (ideal 50%)</td><td>${pct(g('dcrShare'))}</td></tr>` : ''}
${g('exactCopies') !== undefined ? `<tr><td>synthetic rows identical to a training row</td><td>${g('exactCopies')}</td></tr>` : ''}
${mia?.auc !== undefined ? `<tr><td>membership inference AUC (ideal 0.5)</td><td>${num(mia.auc)}</td></tr>` : ''}
${summary?.level ? `<tr><td>overall</td><td>${esc(summary.level)}</td></tr>` : ''}</table>
${summary?.reasons?.length ? `<ul>${summary.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}</section>`);
  }

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>${parts.join('\n')}
<footer><p class="muted">Made by Doppel. Everything was computed on this computer; this file contains summary statistics only, no table rows.</p></footer>
</body></html>
`;
}
