/**
 * Generation metadata sidecar (JSON): the audit trail governance asks for — which generator, with what
 * settings and seed, which app version, the privacy receipt, and quality/privacy summaries. Never rows,
 * and no statistic that pins down one real patient: the schema part keeps column meaning only (no
 * observed min/max, no category lists), and report summaries keep scalars (no histograms, ROC curves,
 * chart data).
 */
import type { TableSchema } from '../schema/types';
import type { PrivacyReceipt } from '../privacy/dp/rdp-accountant';

export const SIDECAR_FORMAT = 'doppel-generation-sidecar';
export const SIDECAR_VERSION = 1;

export interface SidecarInput {
  /** Generator name ('tvae', 'ctgan', 'transformer', 'dp-tvae', 'longitudinal', …). */
  generator: string;
  /** Training/sampling settings (FitOptions and the like); functions and signals are dropped. */
  settings: Record<string, unknown>;
  seed: number;
  appVersion: string;
  privacyReceipt?: PrivacyReceipt | null;
  /** A QualityReport or EvaluationReport (summarised), or an already small summary object. */
  quality?: unknown;
  /** A PrivacyReport (summarised), or an already small summary object. */
  privacy?: unknown;
  schema: TableSchema;
  /** Synthetic rows written. */
  rows: number;
  createdAt: Date | string;
  /** The real input, described without its content. */
  source?: { file?: string; rows?: number; columns?: number };
  /** Files written with this generation (name, format, optional SHA-256 of the bytes). */
  outputs?: { file: string; format: string; sha256?: string }[];
  notes?: string[];
}

export interface SidecarColumn {
  name: string;
  kind: string;
  excluded: boolean;
  decimals?: number;
  datetimeFormat?: string;
  sensitive?: boolean;
  quasiIdentifier?: boolean;
}

export interface GenerationSidecar {
  format: typeof SIDECAR_FORMAT;
  version: typeof SIDECAR_VERSION;
  createdAt: string;
  app: { name: 'Doppel'; version: string };
  generator: string;
  seed: number;
  settings: Record<string, unknown>;
  rows: number;
  source?: { file?: string; rows?: number; columns?: number };
  schema: { columns: SidecarColumn[]; target?: string; idColumn?: string; timeColumn?: string };
  privacyReceipt: PrivacyReceipt | null;
  differentialPrivacy: boolean;
  quality: Record<string, unknown> | null;
  privacy: Record<string, unknown> | null;
  outputs?: { file: string; format: string; sha256?: string }[];
  notes: string[];
}

// Bulky or row-shaped parts of reports: never copied.
const DROPPED_KEYS = new Set(['charts', 'histogram', 'histograms', 'roc', 'edges', 'examples', 'smallest', 'records', 'samples']);

/** JSON-safe copy keeping scalars and small structures; long numeric arrays (histograms, curves) dropped. */
function summarise(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number': return Number.isFinite(value) ? value : null;
    case 'string':
    case 'boolean': return value;
    case 'bigint': return value.toString();
    case 'function':
    case 'symbol': return undefined;
  }
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return undefined;
  if (depth <= 0) return undefined;
  if (Array.isArray(value)) {
    if (value.length > 64) return undefined;
    if (value.every((v) => typeof v === 'number')) return value.length <= 16 ? value.map((v) => (Number.isFinite(v) ? v : null)) : undefined;
    const out = value.map((v) => summarise(v, depth - 1)).filter((v) => v !== undefined);
    return out;
  }
  if (typeof value === 'object') {
    if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (DROPPED_KEYS.has(k)) continue;
      const s = summarise(v, depth - 1);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return undefined;
}

function summaryObject(value: unknown, depth: number): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const s = summarise(value, depth);
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : null;
}

/** The sidecar object (JSON.stringify it next to the synthetic file). */
export function generationSidecar(input: SidecarInput): GenerationSidecar {
  const createdAt = input.createdAt instanceof Date ? input.createdAt.toISOString() : new Date(input.createdAt).toISOString();
  const columns: SidecarColumn[] = input.schema.columns.map((c) => {
    const col: SidecarColumn = { name: c.name, kind: c.kind, excluded: c.excluded };
    if (c.decimals !== undefined) col.decimals = c.decimals;
    if (c.datetimeFormat) col.datetimeFormat = c.datetimeFormat;
    if (c.sensitive) col.sensitive = true;
    if (c.quasiIdentifier) col.quasiIdentifier = true;
    return col;
  });
  const schema: GenerationSidecar['schema'] = { columns };
  if (input.schema.target) schema.target = input.schema.target;
  if (input.schema.idColumn) schema.idColumn = input.schema.idColumn;
  if (input.schema.timeColumn) schema.timeColumn = input.schema.timeColumn;
  const receipt = input.privacyReceipt ? (summarise(input.privacyReceipt, 2) as PrivacyReceipt) : null;
  const out: GenerationSidecar = {
    format: SIDECAR_FORMAT,
    version: SIDECAR_VERSION,
    createdAt,
    app: { name: 'Doppel', version: input.appVersion },
    generator: input.generator,
    seed: input.seed,
    settings: summaryObject(input.settings, 4) ?? {},
    rows: input.rows,
    schema,
    privacyReceipt: receipt,
    differentialPrivacy: receipt !== null,
    quality: summaryObject(input.quality, 4),
    privacy: summaryObject(input.privacy, 4),
    notes: [...(input.notes ?? [])],
  };
  if (input.source) out.source = summaryObject(input.source, 1) as GenerationSidecar['source'];
  if (input.outputs) out.outputs = input.outputs.map((o) => ({ ...o }));
  return out;
}
