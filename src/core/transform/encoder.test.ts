import { describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { ingestText } from '../data/ingest';
import type { TableSchema } from '../schema/types';
import { Rng } from '../util/random';
import { fitEncoder, loadEncoder } from './encoder';
import type { EncoderOptions } from './types';

/** A small clinic table: every kind, nulls in two numeric columns that go missing together, a rare label. */
function clinicCsv(n: number, seed = 1): string {
  const rng = new Rng(seed);
  const lines = ['mrn,name,age,weight,bmi,admitted,ward,smoker,note'];
  const wards = ['A', 'B', 'C'];
  for (let i = 0; i < n; i++) {
    const age = Math.round(Math.min(90, Math.max(18, (rng.next() < 0.5 ? 35 : 70) + 6 * rng.normal())));
    const lab = rng.next() < 0.15; // weight and bmi missing together
    const weight = lab ? 'NA' : (60 + 15 * rng.normal()).toFixed(1);
    const bmi = lab ? 'NA' : (24 + 4 * rng.normal()).toFixed(2);
    const day = new Date(Date.UTC(2020, 0, 1) + Math.floor(rng.next() * 700) * 86_400_000).toISOString().slice(0, 10);
    const ward = i === 7 ? 'ICU' : i === 11 ? 'Burns' : wards[rng.int(3)];
    const smoker = rng.next() < 0.1 ? '' : rng.next() < 0.3 ? 'yes' : 'no';
    lines.push(`${1000 + i * 3},Patient ${i} Smith,${age},${weight},${bmi},${day},${ward},${smoker},free text ${i}`);
  }
  return lines.join('\n');
}

async function clinic(n = 400, seed = 1): Promise<{ table: Table; schema: TableSchema }> {
  const { table, schema } = await ingestText(clinicCsv(n, seed), 'clinic.csv');
  const cols = schema.columns.map((c) => (c.name === 'note' || c.name === 'name' ? { ...c, kind: 'text' as const, excluded: true } : c));
  return { table, schema: { ...schema, columns: cols } };
}

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function roundTrip(table: Table, schema: TableSchema, options: EncoderOptions = {}) {
  const enc = fitEncoder(table, schema, { seed: 3, ...options });
  const batch = enc.encodeRows(table, allRows(table.numRows), new Rng(5));
  return { enc, batch, out: enc.decode(batch, table.numRows, new Rng(6)) };
}

describe('fitEncoder', () => {
  it('reads the kinds the clinic table should have', async () => {
    const { schema } = await clinic();
    const kinds = Object.fromEntries(schema.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toMatchObject({ mrn: 'identifier', age: 'integer', weight: 'continuous', bmi: 'continuous', admitted: 'datetime', ward: 'categorical' });
  });

  it('lays out spans: α + mode one-hot (+ missing) per numeric column, one-hot per category column', async () => {
    const { table, schema } = await clinic();
    const enc = fitEncoder(table, schema, { seed: 1 });
    const roles = enc.spans.map((s) => `${s.column}:${s.role}`);
    expect(roles).toEqual([
      'age:scalar', 'age:mode', 'weight:scalar', 'weight:mode', 'weight:missing', 'bmi:scalar', 'bmi:mode', 'bmi:missing',
      'admitted:scalar', 'admitted:mode', 'ward:category', 'smoker:category',
    ]);
    let at = 0;
    for (const s of enc.spans) {
      expect(s.start).toBe(at);
      expect(s.activation).toBe(s.role === 'scalar' ? 'tanh' : 'softmax');
      at += s.width;
    }
    expect(enc.width).toBe(at);
    // ward: A, B, C + one bucket for ICU/Burns (1 row each); smoker: yes/no + null slot.
    const ward = enc.discrete.find((d) => d.column === 'ward')!;
    expect(ward.span.width).toBe(4);
    expect(ward.counts.reduce((a, b) => a + b, 0)).toBe(400);
    expect(ward.counts[3]).toBe(2);
    const smoker = enc.discrete.find((d) => d.column === 'smoker')!;
    expect(smoker.span.width).toBe(3);
    expect(enc.discrete.filter((d) => d.span.role === 'missing').map((d) => d.column)).toEqual(['weight', 'bmi']);
  });

  it('each row is valid: one hot slot per softmax span, |α| ≤ 0.99', async () => {
    const { table, schema } = await clinic();
    const enc = fitEncoder(table, schema, { seed: 1 });
    const n = table.numRows;
    const b = enc.encodeRows(table, allRows(n), new Rng(2));
    for (let r = 0; r < n; r++)
      for (const s of enc.spans) {
        if (s.role === 'scalar') expect(Math.abs(b[r * enc.width + s.start])).toBeLessThanOrEqual(0.99 + 1e-6);
        else {
          let sum = 0;
          for (let j = 0; j < s.width; j++) sum += b[r * enc.width + s.start + j];
          expect(sum).toBe(1);
        }
      }
  });

  it('round-trips: numbers, datetimes, nulls in the same cells, categories exactly with rareCount 0', async () => {
    const { table, schema } = await clinic();
    const { out } = roundTrip(table, schema, { rareCount: 0 });
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    const n = table.numRows;
    for (const name of ['age', 'weight', 'bmi', 'admitted', 'ward', 'smoker']) {
      const a = table.getChild(name)!, b = out.getChild(name)!;
      expect(b.type.toString()).toBe(a.type.toString());
      let off = 0;
      for (let i = 0; i < n; i++) {
        const x = a.get(i), y = b.get(i);
        expect(y === null).toBe(x === null);
        if (x !== null && x !== y) off++;
      }
      // α clipping at ±0.99 loses the odd far outlier of a mode: allow 1 %.
      expect(off, name).toBeLessThanOrEqual(n * 0.01);
    }
  });

  it('decodes the rare bucket to real members, text to nulls, identifiers to fresh unique ids', async () => {
    const { table, schema } = await clinic();
    const { enc, out } = roundTrip(table, schema);
    const n = table.numRows;
    const ward = out.getChild('ward')!;
    const bucketRows = [7, 11];
    for (const i of bucketRows) expect(['ICU', 'Burns']).toContain(ward.get(i));
    for (let i = 0; i < n; i++) if (!bucketRows.includes(i)) expect(ward.get(i)).toBe(table.getChild('ward')!.get(i));
    expect(out.getChild('note')!.nullCount).toBe(n);
    expect(out.getChild('name')!.nullCount).toBe(n);
    const real = new Set(table.getChild('mrn')!.toArray() as string[]);
    const ids = out.getChild('mrn')!.toArray() as string[];
    expect(new Set(ids).size).toBe(n);
    for (const id of ids) expect(real.has(id)).toBe(false);
    // Numeric ids start above the real maximum (rounded up: 1000 + 399·3 = 2197 → 3000).
    expect(Number(ids[0])).toBe(3000);
    // A second chunk carries on counting.
    const more = enc.decode(enc.encodeRows(table, [0, 1], new Rng(1)), 2, new Rng(1)).getChild('mrn')!.toArray() as string[];
    expect(more).toEqual([String(3000 + n), String(3000 + n + 1)]);
  });

  it('string identifiers get a prefix no real id has', async () => {
    const text = 'pid,x\nSYN-1,1\nSYN-2,2\nP3,3\nP4,4\nP5,5\nP6,6';
    const { table, schema } = await ingestText(text, 'ids.csv');
    const s = { ...schema, columns: schema.columns.map((c) => (c.name === 'pid' ? { ...c, kind: 'identifier' as const, excluded: true } : c)) };
    const enc = fitEncoder(table, s, { seed: 1 });
    const ids = enc.decode(enc.encodeRows(table, allRows(6), new Rng(1)), 6, new Rng(1)).getChild('pid')!.toArray() as string[];
    expect(ids[0]).toBe('SYN2-000001');
    expect(new Set(ids).size).toBe(6);
  });

  it('integers stay integral and decoded values clip to the schema bounds', async () => {
    const { table, schema } = await clinic();
    const bounded = { ...schema, columns: schema.columns.map((c) => (c.name === 'age' ? { ...c, min: 30, max: 60 } : c)) };
    const enc = fitEncoder(table, bounded, { seed: 1 });
    const rng = new Rng(9);
    const n = 300;
    const batch = new Float32Array(n * enc.width);
    for (let i = 0; i < batch.length; i++) batch[i] = rng.next() * 2 - 1; // arbitrary generator output
    const out = enc.decode(batch, n, rng);
    const age = out.getChild('age')!;
    expect(age.type.toString()).toBe('Int32');
    for (let i = 0; i < n; i++) {
      const v = age.get(i) as number;
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(30);
      expect(v).toBeLessThanOrEqual(60);
    }
    const weight = schema.columns.find((c) => c.name === 'weight')!;
    const w = out.getChild('weight')!;
    for (let i = 0; i < n; i++) {
      const v = w.get(i) as number | null;
      if (v === null) continue;
      expect(v).toBeGreaterThanOrEqual(weight.min!);
      expect(v).toBeLessThanOrEqual(weight.max!);
      expect(Math.abs(v * 10 - Math.round(v * 10))).toBeLessThan(1e-6); // written with 1 decimal like the input
    }
  });

  it('the same seed gives the same encoding; another seed samples other modes', async () => {
    const { table, schema } = await clinic();
    const a = fitEncoder(table, schema, { seed: 4 });
    const b = fitEncoder(table, schema, { seed: 4 });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    const rows = allRows(table.numRows);
    expect(Array.from(a.encodeRows(table, rows, new Rng(8)))).toEqual(Array.from(b.encodeRows(table, rows, new Rng(8))));
    expect(Array.from(a.encodeRows(table, rows, new Rng(8)))).not.toEqual(Array.from(a.encodeRows(table, rows, new Rng(9))));
  });

  it('loadEncoder(toJSON()) encodes and decodes like the fitted encoder', async () => {
    const { table, schema } = await clinic();
    const a = fitEncoder(table, schema, { seed: 4 });
    const b = loadEncoder(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.width).toBe(a.width);
    expect(b.spans).toEqual(a.spans);
    expect(b.discrete).toEqual(a.discrete);
    const rows = allRows(50);
    const ea = a.encodeRows(table, rows, new Rng(8));
    expect(Array.from(b.encodeRows(table, rows, new Rng(8)))).toEqual(Array.from(ea));
    const da = a.decode(ea, 50, new Rng(1)), db = b.decode(ea, 50, new Rng(1));
    for (const c of schema.columns) expect(db.getChild(c.name)!.toJSON()).toEqual(da.getChild(c.name)!.toJSON());
    expect(() => loadEncoder({ version: 1, kind: 'simple' })).toThrow(/not written by the Doppel transform/);
  });

  it('rowsWithSlot lists exactly the rows with that slot hot', async () => {
    const { table, schema } = await clinic();
    const enc = fitEncoder(table, schema, { seed: 1 });
    const n = table.numRows;
    const b = enc.encodeRows(table, allRows(n), new Rng(1));
    enc.discrete.forEach((d, di) => {
      for (let s = 0; s < d.span.width; s++) {
        const rows = enc.rowsWithSlot(table, di, s);
        expect(rows.length).toBe(d.counts[s]);
        for (const r of rows) expect(b[r * enc.width + d.span.start + s]).toBe(1);
      }
    });
  });

  it('encodes a chosen batch of rows the same as those rows within the whole table', async () => {
    const { table, schema } = await clinic();
    const enc = fitEncoder(table, schema, { seed: 1 });
    const rows = [5, 17, 3];
    const part = enc.encodeRows(table, rows, new Rng(1));
    const out = new Float32Array(10 * enc.width).fill(7);
    const same = enc.encodeRows(table, rows, new Rng(1), out);
    expect(same).toBe(out);
    expect(Array.from(out.subarray(0, 3 * enc.width))).toEqual(Array.from(part));
  });

  it('decodes zero rows, and restartIdentifiers() starts the fresh ids again', async () => {
    const { table, schema } = await clinic();
    const enc = fitEncoder(table, schema, { seed: 1 });
    const empty = enc.decode(new Float32Array(0), 0, new Rng(1));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual(schema.columns.map((c) => c.name));
    const b = enc.encodeRows(table, [0, 1, 2], new Rng(1));
    const first = enc.decode(b, 3, new Rng(1)).getChild('mrn')!.toArray();
    enc.restartIdentifiers();
    expect(enc.decode(b, 3, new Rng(1)).getChild('mrn')!.toArray()).toEqual(first);
  });

  it('reads tables made of several record batches', async () => {
    const a = await clinic(300, 1);
    const b = await ingestText(clinicCsv(200, 2), 'clinic2.csv');
    const joined = a.table.concat(b.table);
    expect(joined.batches.length).toBeGreaterThan(1);
    const enc = fitEncoder(joined, a.schema, { seed: 1, rareCount: 0 });
    const n = joined.numRows;
    const out = enc.decode(enc.encodeRows(joined, allRows(n), new Rng(1)), n, new Rng(2));
    for (const name of ['ward', 'smoker', 'age']) {
      const x = joined.getChild(name)!, y = out.getChild(name)!;
      let off = 0;
      for (let i = 0; i < n; i++) if (x.get(i) !== y.get(i)) off++;
      expect(off, name).toBeLessThanOrEqual(name === 'age' ? n * 0.01 : 0);
    }
  });
});
