export type { Record, PartitionRecord, RecordHeader, RecordBatch, ControlRecord, ControlRecordType, TimestampType } from './types.js'
export { nextOffsetAfter } from './types.js'
export {
  type RecordInput,
  type EncodeRecordBatchOptions,
  type ControlBatchInput,
  type RecordBatchBuilderOptions,
  type FinishRecordBatchOptions,
  RecordBatchBuilder,
  RECORD_BATCH_OVERHEAD,
  encodeRecordBatch,
  encodeRecordBatchSync,
  encodeControlBatch,
} from './encode.js'
export {
  type DecodeRecordBatchesOptions,
  type DecodedRecordBatches,
  type TruncatedBatch,
  type DecodePartitionRecordBatchesOptions,
  type DecodeShapedRecordBatchesOptions,
  type RecordShape,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  decodePartitionRecordBatches,
  decodePartitionRecordBatchesSync,
} from './decode.js'
export { CorruptRecordError, type RecordBatchContext } from './corrupt-record-error.js'
