/**
 * CTGAN's conditional vector and training-by-sampling (Xu et al. 2019, §4.3).
 * The conditional vector is the concatenation of one-hot blocks, one per discrete column (category spans
 * of the encoding); exactly one slot of one block is hot. For training, a column is chosen uniformly and a
 * category with probability ∝ log(1 + frequency), so rare categories are seen; a real row having that
 * category is then drawn. For sampling, categories follow the empirical frequencies.
 */
import type { Table } from 'apache-arrow';
import type { DiscreteSpanInfo, TableEncoder } from '../../transform/types';
import type { Rng } from '../../util/random';

export interface CondColumn {
  /** Index into encoder.discrete. */
  discrete: number;
  column: string;
  /** Offset of this column's block in the conditional vector. */
  offset: number;
  width: number;
  /** Start of the span in the encoded row. */
  spanStart: number;
  counts: number[];
  logWeights: Float64Array;
}

export interface CondBatch {
  /** [n, condWidth] one-hot blocks. */
  cond: Float32Array;
  /** Chosen column (index into columns) and slot per row. */
  column: Int32Array;
  slot: Int32Array;
}

export class ConditionalVector {
  readonly columns: CondColumn[];
  readonly width: number;

  constructor(discrete: readonly DiscreteSpanInfo[]) {
    let offset = 0;
    this.columns = [];
    discrete.forEach((d, i) => {
      if (d.span.role !== 'category') return;
      this.columns.push({
        discrete: i,
        column: d.column,
        offset,
        width: d.span.width,
        spanStart: d.span.start,
        counts: d.counts.slice(),
        logWeights: Float64Array.from(d.counts, (c) => Math.log(c + 1)),
      });
      offset += d.span.width;
    });
    this.width = offset;
  }

  get empty(): boolean {
    return this.columns.length === 0;
  }

  /** Training: column uniform, category ∝ log(frequency + 1). */
  sampleTrain(n: number, rng: Rng): CondBatch {
    return this.sample(n, rng, true);
  }

  /** Generation: column uniform, category ∝ frequency (the data's own distribution). */
  sampleOriginal(n: number, rng: Rng): CondBatch {
    return this.sample(n, rng, false);
  }

  private sample(n: number, rng: Rng, log: boolean): CondBatch {
    const cond = new Float32Array(n * this.width);
    const column = new Int32Array(n);
    const slot = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const c = rng.int(this.columns.length);
      const col = this.columns[c];
      const k = rng.categorical(log ? col.logWeights : col.counts);
      column[r] = c;
      slot[r] = k;
      cond[r * this.width + col.offset + k] = 1;
    }
    return { cond, column, slot };
  }

  /** A fixed conditional vector (one category of one column) for n rows. */
  fixed(n: number, c: number, k: number): CondBatch {
    const cond = new Float32Array(n * this.width);
    const col = this.columns[c];
    for (let r = 0; r < n; r++) cond[r * this.width + col.offset + k] = 1;
    return { cond, column: new Int32Array(n).fill(c), slot: new Int32Array(n).fill(k) };
  }

  /** For each row, a real row index having the chosen category (training-by-sampling). */
  realRows(batch: CondBatch, table: Table, encoder: TableEncoder, rng: Rng): Int32Array {
    const out = new Int32Array(batch.column.length);
    for (let r = 0; r < out.length; r++) {
      const col = this.columns[batch.column[r]];
      const rows = encoder.rowsWithSlot(table, col.discrete, batch.slot[r]);
      out[r] = rows.length ? rows[rng.int(rows.length)] : rng.int(table.numRows);
    }
    return out;
  }

  /** Expand a conditional batch into encoded-row coordinates ([n, D], the chosen slot hot), for the cross-entropy. */
  toRowSpace(batch: CondBatch, width: number): Float32Array {
    const out = new Float32Array(batch.column.length * width);
    for (let r = 0; r < batch.column.length; r++) out[r * width + this.columns[batch.column[r]].spanStart + batch.slot[r]] = 1;
    return out;
  }
}
