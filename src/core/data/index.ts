/** Browser-safe data API (the Node file source is in ./node-source, imported only by the CLI and tests). */
export { ingest, ingestText, bytesSource, formatBytes, DEFAULT_MAX_BYTES } from './ingest';
export { blobSource } from './blob-source';
export { DEFAULT_MISSING_TOKENS } from './missing';
export { IngestError } from './types';
export { toTransferable, fromTransferable, type TransferableLoaded } from './transfer';
export type { ByteSource, IngestOptions, IngestProgress, IngestReport, IngestResult, IngestErrorCode } from './types';
