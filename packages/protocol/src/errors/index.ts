export { KafkaError, type KafkaErrorOptions } from './kafka-error.js'
export { DecodeError } from './decode-error.js'
export { EncodeError } from './encode-error.js'
export {
  errorCodes,
  errorByCode,
  isRetriableErrorCode,
  ErrorCode,
  type ErrorCodeInfo,
  type ErrorCodeName,
} from './error-codes.js'
export { KafkaProtocolError, type KafkaProtocolErrorContext } from './kafka-protocol-error.js'
