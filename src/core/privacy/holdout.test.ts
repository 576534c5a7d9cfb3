import { describe, expect, it } from 'vitest';
import { splitHoldout, splitPatients } from './holdout';

describe('splitHoldout', () => {
  it('partitions the rows, seeded and sized', () => {
    const a = splitHoldout(1000, 0.2, 7);
    expect(a.holdout.length).toBe(200);
    expect(a.train.length).toBe(800);
    const all = new Set([...a.train, ...a.holdout]);
    expect(all.size).toBe(1000);
    expect(splitHoldout(1000, 0.2, 7)).toEqual(a);
    expect(splitHoldout(1000, 0.2, 8).holdout).not.toEqual(a.holdout);
  });

  it('keeps stratum proportions, nulls included', () => {
    const y: (string | null)[] = [];
    for (let i = 0; i < 1000; i++) y.push(i % 10 === 0 ? 'yes' : i % 97 === 0 ? null : 'no');
    const s = splitHoldout(1000, 0.25, 3, y);
    expect(s.holdout.length).toBe(250);
    const yesHold = [...s.holdout].filter((i) => y[i] === 'yes').length;
    expect(yesHold).toBe(25);
    const nullAll = y.filter((v) => v === null).length;
    const nullHold = [...s.holdout].filter((i) => y[i] === null).length;
    expect(Math.abs(nullHold - nullAll / 4)).toBeLessThanOrEqual(1);
  });

  it('never leaves the training side empty', () => {
    expect(splitHoldout(1, 0.5, 1).train.length).toBe(1);
    expect(splitHoldout(0, 0.2, 1).train.length).toBe(0);
  });
});

describe('splitPatients', () => {
  it('holds back whole patients, seeded, about the fraction of them', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `p${i % 100}`); // 100 patients, 10 rows each, interleaved
    const s = splitPatients(ids, 0.2, 5);
    const held = new Set([...s.holdout].map((i) => ids[i]));
    expect(held.size).toBe(20);
    expect(s.holdout.length).toBe(200);
    for (const i of s.train) expect(held.has(ids[i])).toBe(false);
    expect(s.train.length + s.holdout.length).toBe(1000);
    expect(splitPatients(ids, 0.2, 5)).toEqual(s);
  });
});
