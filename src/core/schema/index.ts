/** Schema API: kinds, inference rules, editing, SDV metadata, datetime formats. */
export * from './types';
export { inferSchema } from './infer-table';
export { inferColumnKind, normaliseName, MAX_CODE_LEVELS, type ColumnEvidence, type KindGuess } from './infer';
export { applySchemaEdit, retypeColumn, columnText, type SchemaEdit, type LoadedTable } from './edit';
export { toSdvMetadata, fromSdvMetadata, applySdvMetadata, parseSdvMetadata, sdtypeToKind, type SdvMetadata, type SdvColumn } from './sdv';
export { parseDatetime, formatDatetime, detectDatetimeFormat, toStrftime, fromStrftime, type DatetimeFormat } from './datetime';
