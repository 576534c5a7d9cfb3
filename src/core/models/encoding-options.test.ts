import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';
import { initNodeBackend } from '../../cli/tf-node';
import { createGenerator } from './registry';

const DATA = path.resolve(process.cwd(), '../shared/data');

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('the user-set encoding options reach the shared encoding', () => {
  it.each(['tvae', 'ctgan'] as const)('%s: rare-category threshold and numeric normalisation', async (kind) => {
    const { table, schema } = await ingest(nodeFileSource(path.join(DATA, 'heart_cleveland.csv')));
    const g = await createGenerator(kind);
    await g.fit(table, schema, { epochs: 1, batchSize: 100, seed: 1, rareCount: 40, normalisation: 'stochastic' });
    const encoder = g.save().encoder as { normalisation: string; rareCount: number; columns: { name: string; frequent?: number; labels?: string[] }[] };
    expect(encoder.normalisation).toBe('stochastic');
    expect(encoder.rareCount).toBe(40);
    // restecg: 151 / 148 / 4 rows → the 4-row label merges into the protected bucket at a threshold of 40
    const restecg = encoder.columns.find((c) => c.name === 'restecg')!;
    expect(restecg.frequent).toBe(2);
    g.dispose();
  });
});
