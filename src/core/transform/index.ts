/** The shared reversible encoding (contract in ./types.ts). */
export { fitEncoder, loadEncoder, transformEncoders, TransformEncoder, type TransformParams } from './encoder';
export { fitMixture, type Mixture, type MixtureOptions } from './vgm';
export type { DiscreteSpanInfo, EncoderOptions, EncoderParams, NumericNormalisation, Span, SpanActivation, TableEncoder } from './types';
