export type { Record, RecordHeader, RecordBatch, ControlRecord, ControlRecordType, TimestampType } from './types.js'
export { nextOffsetAfter } from './types.js'
export {
  type RecordInput,
  type EncodeRecordBatchOptions,
  type ControlBatchInput,
  RECORD_BATCH_OVERHEAD,
  encodeRecordBatch,
  encodeRecordBatchSync,
  encodeControlBatch,
} from './encode.js'
export {
  type DecodeRecordBatchesOptions,
  type DecodedRecordBatches,
  type TruncatedBatch,
  decodeRecordBatches,
  decodeRecordBatchesSync,
} from './decode.js'
export { CorruptRecordError, type RecordBatchContext } from './corrupt-record-error.js'
