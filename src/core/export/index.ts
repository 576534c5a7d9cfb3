/** Synthetic data out: CSV, Arrow IPC, Parquet, PostgreSQL script, and the generation sidecar. */
export { writeCsv, csvChunks, csvText, guardFormula, quoteCsvCell, formatFixed, type CsvOptions } from './csv';
export { toArrowIpc } from './arrow-ipc';
export { toParquet, type ParquetOptions } from './parquet';
export { toPostgresScript, postgresScriptChunks, postgresType, quoteIdent, type PostgresOptions, type PgType } from './postgres';
export { generationSidecar, SIDECAR_FORMAT, SIDECAR_VERSION, type SidecarInput, type GenerationSidecar, type SidecarColumn } from './sidecar';
