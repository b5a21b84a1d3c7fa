export { KafkaError, type KafkaErrorOptions, hasMarker } from './kafka-error.js'
export { DecodeError } from './decode-error.js'
export { EncodeError } from './encode-error.js'
export { ConfigError } from './config-error.js'
export { checkOptionNames } from './option-names.js'
export { InvalidArgumentError, describeValue } from './invalid-argument-error.js'
export { ClosedError } from './closed-error.js'
export { InvalidStateError } from './invalid-state-error.js'
export {
  errorCodes,
  errorByCode,
  isRetriableErrorCode,
  ErrorCode,
  type ErrorCodeInfo,
  type ErrorCodeName,
} from './error-codes.js'
export { KafkaProtocolError, type KafkaProtocolErrorContext } from './kafka-protocol-error.js'
