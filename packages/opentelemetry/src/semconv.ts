import { KafkaError } from 'kafkats'

// Names from the OpenTelemetry semantic conventions for messaging (Kafka), as of
// semantic-conventions 1.3x (the messaging conventions are still "development"). Written out here
// instead of importing @opentelemetry/semantic-conventions' incubating entry point, which is
// documented as unstable across minor versions and would be a runtime dependency for a few strings.
export const ATTR_MESSAGING_SYSTEM = 'messaging.system'
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type'
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name'
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name'
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id'
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name'
export const ATTR_MESSAGING_CLIENT_ID = 'messaging.client.id'
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count'
export const ATTR_MESSAGING_KAFKA_MESSAGE_KEY = 'messaging.kafka.message.key'
export const ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE = 'messaging.kafka.message.tombstone'
export const ATTR_MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset'
export const ATTR_SERVER_ADDRESS = 'server.address'
export const ATTR_SERVER_PORT = 'server.port'
export const ATTR_ERROR_TYPE = 'error.type'
/** Not a convention attribute: Kafka's name of a request's API (`Produce`, `Fetch`, `Metadata`, ...). */
export const ATTR_KAFKATS_API_NAME = 'kafkats.api.name'

export const MESSAGING_SYSTEM_KAFKA = 'kafka'

/** The convention's advised buckets (seconds) for `messaging.client.operation.duration` and `messaging.process.duration`. */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/**
 * `error.type`: Kafka's error name (`NOT_LEADER_OR_FOLLOWER`, `UNKNOWN_TOPIC_OR_PARTITION`) or
 * kafkats' name for a client-side error (`INVALID_ARGUMENT`, `DELIVERY_TIMEOUT`, ...): few values,
 * as the convention asks. Other errors report their class name; anything else `_OTHER`.
 */
export function errorType(error: unknown): string {
  if (KafkaError.isInstance(error)) return error.errorName
  if (error instanceof Error) return error.name
  return '_OTHER'
}
