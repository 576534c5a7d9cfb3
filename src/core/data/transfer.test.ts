import { describe, expect, it } from 'vitest';
import { ingestText } from './ingest';
import { fromTransferable, toTransferable } from './transfer';

describe('worker transfer', () => {
  it('IPC round trip keeps every column type, value and null', async () => {
    const loaded = await ingestText('id,age,bmi,sex,d\n' + Array.from({ length: 30 }, (_, i) => `${1000 + i},${30 + (i % 7)},${i % 5 ? (20 + i / 4).toFixed(2) : 'NA'},${i % 3 ? 'M' : 'F'},2020-01-${String(1 + (i % 28)).padStart(2, '0')}`).join('\n'), 't.csv');
    const t = toTransferable(loaded);
    const back = fromTransferable(structuredClone(t));
    expect(back.schema).toEqual(loaded.schema);
    expect(back.table.schema.fields.map((f) => String(f.type))).toEqual(loaded.table.schema.fields.map((f) => String(f.type)));
    expect(back.table.toArray().map((r) => r.toJSON())).toEqual(loaded.table.toArray().map((r) => r.toJSON()));
  });
});
