import type { Table } from 'apache-arrow';
import type { FitOptions, FitResult, Generator, SavedModel, SampleOptions, TrainProgress } from '../types';
import type { TableSchema } from '../../schema/types';

/** Placeholder until the generator lands. */
export class TabularTransformer implements Generator {
  readonly kind = 'transformer' as const;
  static load(_saved: SavedModel): TabularTransformer {
    throw new Error('TabularTransformer is not implemented yet');
  }
  fit(_t: Table, _s: TableSchema, _o: FitOptions, _p?: (p: TrainProgress) => void, _signal?: AbortSignal): Promise<FitResult> {
    throw new Error('TabularTransformer is not implemented yet');
  }
  sample(_n: number, _seed: number, _o?: SampleOptions): Promise<Table> {
    throw new Error('TabularTransformer is not implemented yet');
  }
  save(): SavedModel {
    throw new Error('TabularTransformer is not implemented yet');
  }
  dispose(): void {}
}
