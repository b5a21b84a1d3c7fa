/*
 * Byte-exact tests of the generated codecs. The expected bytes below were written by hand from the
 * wire rules (shared/kafka-protocol/README.md) and the JSON definitions, field by field; none of
 * them comes from our encoder. Each test encodes (bytes must match) and decodes (values must match).
 */
import { describe, expect, it } from 'vitest'
import { DecodeError } from '../errors/decode-error.js'
import { EncodeError } from '../errors/encode-error.js'
import {
  ApiVersionsApi,
  FetchApi,
  MetadataApi,
  ProduceApi,
  createApiVersionsRequest,
  createApiVersionsResponse,
  createApiVersionsResponseApiVersion,
  createApiVersionsResponseSupportedFeatureKey,
  createConsumerProtocolAssignment,
  createConsumerProtocolAssignmentTopicPartition,
  createConsumerProtocolSubscription,
  createConsumerProtocolSubscriptionTopicPartition,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createFetchRequestForgottenTopic,
  createFetchRequestReplicaState,
  createFetchResponse,
  createFetchResponseEpochEndOffset,
  createFetchResponseFetchableTopicResponse,
  createFetchResponseLeaderIdAndEpoch,
  createFetchResponseNodeEndpoint,
  createFetchResponsePartitionData,
  createMetadataRequest,
  createMetadataRequestTopic,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  createRequestHeader,
  createResponseHeader,
  decodeApiVersionsRequest,
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  decodeFetchResponse,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  encodeFetchResponse,
  encodeRequestHeader,
  encodeResponseHeader,
} from '../generated/index.js'
import type { ApiDefinition } from '../api.js'
import { Reader } from '../primitives/reader.js'
import { ZERO_UUID } from '../primitives/uuid.js'
import { Writer } from '../primitives/writer.js'

/** Bytes from hex text; whitespace is ignored. */
function hex(...parts: string[]): Uint8Array {
  const text = parts.join('').replace(/\s+/g, '')
  if (text.length % 2 !== 0 || /[^0-9a-f]/i.test(text)) throw new Error(`bad hex: ${text}`)
  const bytes = new Uint8Array(text.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ')
}

type Direction = 'request' | 'response'

function encodeBody<Req, Res>(api: ApiDefinition<Req, Res>, direction: Direction, version: number, message: Req | Res): Uint8Array {
  const writer = new Writer(8)
  if (direction === 'request') api.encodeRequest(writer, version, message as Req)
  else api.encodeResponse(writer, version, message as Res)
  return writer.finish().slice()
}

/** Encodes and compares with `expected`, then decodes `expected` and compares with `message`. */
function checkBody<Req, Res>(api: ApiDefinition<Req, Res>, direction: Direction, version: number, message: Req | Res, expected: Uint8Array): void {
  expect(toHex(encodeBody(api, direction, version, message))).toBe(toHex(expected))
  const reader = new Reader(expected)
  const decoded = direction === 'request' ? api.decodeRequest(reader, version) : api.decodeResponse(reader, version)
  expect(decoded).toStrictEqual(message)
  expect(reader.offset).toBe(expected.length)
}

// uuid 00 01 02 .. 0f in Kafka's text form (base64url, no padding)
const UUID_00_0F = 'AAECAwQFBgcICQoLDA0ODw'
const UUID_00_0F_HEX = '00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f'
// uuid 10 11 .. 1f
const UUID_10_1F = 'EBESExQVFhcYGRobHB0eHw'
const UUID_10_1F_HEX = '10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f'

describe('ApiVersions', () => {
  it('request v0 with request header v1', () => {
    expect(ApiVersionsApi.requestHeaderVersion(0)).toBe(1)
    const writer = new Writer()
    const header = createRequestHeader({ requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: 'kafkats' })
    encodeRequestHeader(writer, 1, header)
    ApiVersionsApi.encodeRequest(writer, 0, createApiVersionsRequest())
    const expected = hex(
      '00 12', //                           header: request_api_key = 18
      '00 00', //                           header: request_api_version = 0
      '00 00 00 01', //                     header: correlation_id = 1
      '00 07 6b 61 66 6b 61 74 73', //      header: client_id = int16 length 7 + "kafkats"
      //                                    body v0: no fields
    )
    expect(toHex(writer.finish())).toBe(toHex(expected))
    const reader = new Reader(expected)
    expect(decodeRequestHeader(reader, 1)).toStrictEqual(header)
    expect(ApiVersionsApi.decodeRequest(reader, 0)).toStrictEqual(createApiVersionsRequest())
    expect(reader.offset).toBe(expected.length)
  })

  it('request v4 with request header v2 (client_id keeps its int16 length)', () => {
    expect(ApiVersionsApi.requestHeaderVersion(4)).toBe(2)
    const writer = new Writer()
    const header = createRequestHeader({ requestApiKey: 18, requestApiVersion: 4, correlationId: 2, clientId: 'kafkats' })
    const request = createApiVersionsRequest({ clientSoftwareName: 'kafkats', clientSoftwareVersion: '1.0.0' })
    encodeRequestHeader(writer, 2, header)
    ApiVersionsApi.encodeRequest(writer, 4, request)
    const expected = hex(
      '00 12', //                           header: request_api_key = 18
      '00 04', //                           header: request_api_version = 4
      '00 00 00 02', //                     header: correlation_id = 2
      '00 07 6b 61 66 6b 61 74 73', //      header: client_id, classic string even in header v2
      '00', //                              header: tagged fields, none
      '08 6b 61 66 6b 61 74 73', //         client_software_name: compact string, uvarint 7+1, "kafkats"
      '06 31 2e 30 2e 30', //               client_software_version: compact string, uvarint 5+1, "1.0.0"
      '00', //                              body tagged fields: none
    )
    expect(toHex(writer.finish())).toBe(toHex(expected))
    const reader = new Reader(expected)
    expect(decodeRequestHeader(reader, 2)).toStrictEqual(header)
    expect(decodeApiVersionsRequest(reader, 4)).toStrictEqual(request)
    expect(reader.offset).toBe(expected.length)
  })

  it('response v0 with response header v0', () => {
    const response = createApiVersionsResponse({
      errorCode: 0,
      apiKeys: [
        createApiVersionsResponseApiVersion({ apiKey: 0, minVersion: 3, maxVersion: 13 }),
        createApiVersionsResponseApiVersion({ apiKey: 18, minVersion: 0, maxVersion: 4 }),
      ],
    })
    const writer = new Writer()
    encodeResponseHeader(writer, ApiVersionsApi.responseHeaderVersion(0), createResponseHeader({ correlationId: 1 }))
    ApiVersionsApi.encodeResponse(writer, 0, response)
    const expected = hex(
      '00 00 00 01', //                     header v0: correlation_id = 1
      '00 00', //                           error_code = 0
      '00 00 00 02', //                     api_keys: int32 count 2
      '00 00 00 03 00 0d', //               [0] api_key 0 (Produce), min 3, max 13
      '00 12 00 00 00 04', //               [1] api_key 18 (ApiVersions), min 0, max 4
      //                                    throttle_time_ms is v1+: absent
    )
    expect(toHex(writer.finish())).toBe(toHex(expected))
    const reader = new Reader(expected)
    expect(decodeResponseHeader(reader, 0)).toStrictEqual(createResponseHeader({ correlationId: 1 }))
    expect(ApiVersionsApi.decodeResponse(reader, 0)).toStrictEqual(response)
    expect(reader.offset).toBe(expected.length)
  })

  it('response v4 keeps response header v0 (KIP-511) and writes tagged fields 0 and 1', () => {
    expect(ApiVersionsApi.responseHeaderVersion(4)).toBe(0)
    const response = createApiVersionsResponse({
      errorCode: 0,
      apiKeys: [
        createApiVersionsResponseApiVersion({ apiKey: 0, minVersion: 3, maxVersion: 13 }),
        createApiVersionsResponseApiVersion({ apiKey: 18, minVersion: 0, maxVersion: 4 }),
      ],
      throttleTimeMs: 100,
      supportedFeatures: [createApiVersionsResponseSupportedFeatureKey({ name: 'kraft.version', minVersion: 0, maxVersion: 1 })],
      finalizedFeaturesEpoch: 5n,
    })
    const writer = new Writer()
    encodeResponseHeader(writer, ApiVersionsApi.responseHeaderVersion(4), createResponseHeader({ correlationId: 2 }))
    ApiVersionsApi.encodeResponse(writer, 4, response)
    const expected = hex(
      '00 00 00 02', //                     header v0: correlation_id = 2, and no tagged fields
      '00 00', //                           error_code = 0
      '03', //                              api_keys: compact array, uvarint 2+1
      '00 00 00 03 00 0d 00', //            [0] api_key 0, min 3, max 13, tagged fields: none
      '00 12 00 00 00 04 00', //            [1] api_key 18, min 0, max 4, tagged fields: none
      '00 00 00 64', //                     throttle_time_ms = 100
      '02', //                              tagged fields: 2 (finalized_features and zk_migration_ready at default)
      '00 14', //                           tag 0 (supported_features), size 20
      '02', //                                compact array, 1 element
      '0e 6b 72 61 66 74 2e 76 65 72 73 69 6f 6e', // name: compact string 13+1, "kraft.version"
      '00 00 00 01', //                       min_version 0, max_version 1
      '00', //                                element tagged fields: none
      '01 08', //                           tag 1 (finalized_features_epoch), size 8
      '00 00 00 00 00 00 00 05', //           int64 5
    )
    expect(toHex(writer.finish())).toBe(toHex(expected))
    const reader = new Reader(expected)
    expect(decodeResponseHeader(reader, 0)).toStrictEqual(createResponseHeader({ correlationId: 2 }))
    expect(ApiVersionsApi.decodeResponse(reader, 4)).toStrictEqual(response)
    expect(reader.offset).toBe(expected.length)
  })
})

describe('Metadata', () => {
  it('request v1: topics by name, and null for all topics', () => {
    const request = createMetadataRequest({
      topics: [createMetadataRequestTopic({ name: 'foo' }), createMetadataRequestTopic({ name: 'bar' })],
    })
    checkBody(
      MetadataApi,
      'request',
      1,
      request,
      hex(
        '00 00 00 02', //                   topics: int32 count 2
        '00 03 66 6f 6f', //                [0] name "foo" (topic_id is v10+)
        '00 03 62 61 72', //                [1] name "bar"
        //                                  allow_auto_topic_creation (v4+) absent: stays true
      ),
    )
    checkBody(MetadataApi, 'request', 1, createMetadataRequest({ topics: null }), hex('ff ff ff ff')) // null array: all topics
  })

  it('request v12', () => {
    const request = createMetadataRequest({
      topics: [createMetadataRequestTopic({ name: 'foo' }), createMetadataRequestTopic({ topicId: UUID_00_0F, name: null })],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    })
    checkBody(
      MetadataApi,
      'request',
      12,
      request,
      hex(
        '03', //                            topics: compact array, 2 elements
        '00000000000000000000000000000000', // [0] topic_id: zero uuid
        '04 66 6f 6f', //                       name: compact "foo"
        '00', //                                tagged fields
        UUID_00_0F_HEX, //                  [1] topic_id
        '00', //                                name: null (nullable from v10)
        '00', //                                tagged fields
        '00', //                            allow_auto_topic_creation = false
        //                                  include_cluster_authorized_operations: v8-10 only
        '01', //                            include_topic_authorized_operations = true
        '00', //                            tagged fields
      ),
    )
  })

  it('response v1', () => {
    const response = createMetadataResponse({
      brokers: [
        createMetadataResponseBroker({ nodeId: 1, host: 'b1', port: 9092, rack: 'r1' }),
        createMetadataResponseBroker({ nodeId: 2, host: 'b2', port: 9093, rack: null }),
      ],
      controllerId: 1,
      topics: [
        createMetadataResponseTopic({
          errorCode: 0,
          name: 'foo',
          isInternal: false,
          partitions: [createMetadataResponsePartition({ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1] })],
        }),
      ],
    })
    checkBody(
      MetadataApi,
      'response',
      1,
      response,
      hex(
        //                                  throttle_time_ms is v3+
        '00 00 00 02', //                   brokers: int32 count 2
        '00 00 00 01 00 02 62 31 00 00 23 84 00 02 72 31', // node 1, "b1", port 9092, rack "r1"
        '00 00 00 02 00 02 62 32 00 00 23 85 ff ff', //       node 2, "b2", port 9093, rack null
        //                                  cluster_id is v2+
        '00 00 00 01', //                   controller_id = 1
        '00 00 00 01', //                   topics: count 1
        '00 00', //                           error_code
        '00 03 66 6f 6f', //                  name "foo" (topic_id is v10+)
        '00', //                              is_internal = false
        '00 00 00 01', //                     partitions: count 1
        '00 00', //                             error_code
        '00 00 00 00', //                       partition_index 0
        '00 00 00 01', //                       leader_id 1 (leader_epoch is v7+)
        '00 00 00 02 00 00 00 01 00 00 00 02', // replica_nodes [1, 2]
        '00 00 00 01 00 00 00 01', //           isr_nodes [1] (offline_replicas is v5+)
        //                                    topic_authorized_operations is v8+, cluster_authorized_operations v8-10
      ),
    )
    // the fields v1 does not carry read back as their defaults
    const decoded = MetadataApi.decodeResponse(new Reader(encodeBody(MetadataApi, 'response', 1, response)), 1)
    expect(decoded.clusterId).toBeNull()
    expect(decoded.throttleTimeMs).toBe(0)
    expect(decoded.clusterAuthorizedOperations).toBe(-2147483648)
    expect(decoded.topics[0]?.topicId).toBe(ZERO_UUID)
    expect(decoded.topics[0]?.topicAuthorizedOperations).toBe(-2147483648)
    expect(decoded.topics[0]?.partitions[0]?.leaderEpoch).toBe(-1)
    expect(decoded.topics[0]?.partitions[0]?.offlineReplicas).toEqual([])
  })

  it('response v12', () => {
    const response = createMetadataResponse({
      throttleTimeMs: 5,
      brokers: [createMetadataResponseBroker({ nodeId: 1, host: 'b1', port: 9092, rack: null })],
      clusterId: 'c1',
      controllerId: 1,
      topics: [
        createMetadataResponseTopic({
          errorCode: 0,
          name: 'foo',
          topicId: UUID_00_0F,
          isInternal: false,
          partitions: [
            createMetadataResponsePartition({
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 7,
              replicaNodes: [1, 2],
              isrNodes: [1],
              offlineReplicas: [],
            }),
          ],
          topicAuthorizedOperations: 3576,
        }),
      ],
    })
    checkBody(
      MetadataApi,
      'response',
      12,
      response,
      hex(
        '00 00 00 05', //                   throttle_time_ms = 5
        '02', //                            brokers: compact array, 1 element
        '00 00 00 01 03 62 31 00 00 23 84', // node 1, compact "b1", port 9092
        '00', //                              rack: null (compact)
        '00', //                              tagged fields
        '03 63 31', //                      cluster_id: compact "c1"
        '00 00 00 01', //                   controller_id = 1
        '02', //                            topics: 1 element
        '00 00', //                           error_code
        '04 66 6f 6f', //                     name: compact "foo"
        UUID_00_0F_HEX, //                    topic_id
        '00', //                              is_internal = false
        '02', //                              partitions: 1 element
        '00 00 00 00 00 00 00 00 00 01', //     error_code 0, partition_index 0, leader_id 1
        '00 00 00 07', //                       leader_epoch 7
        '03 00 00 00 01 00 00 00 02', //        replica_nodes: compact [1, 2]
        '02 00 00 00 01', //                    isr_nodes: compact [1]
        '01', //                                offline_replicas: compact []
        '00', //                                tagged fields
        '00 00 0d f8', //                     topic_authorized_operations = 3576
        '00', //                              tagged fields
        //                                  cluster_authorized_operations: v8-10 only; error_code: v13+
        '00', //                            tagged fields
      ),
    )
  })
})

describe('Produce', () => {
  const records = hex('01 02 03') // opaque here: record batches have their own codec

  it('request v3', () => {
    const request = createProduceRequest({
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [
        createProduceRequestTopicProduceData({
          name: 'foo',
          partitionData: [createProduceRequestPartitionProduceData({ index: 0, records })],
        }),
      ],
    })
    checkBody(
      ProduceApi,
      'request',
      3,
      request,
      hex(
        'ff ff', //                         transactional_id: null string
        'ff ff', //                         acks = -1
        '00 00 75 30', //                   timeout_ms = 30000
        '00 00 00 01', //                   topic_data: count 1
        '00 03 66 6f 6f', //                  name "foo"
        '00 00 00 01', //                     partition_data: count 1
        '00 00 00 00', //                       index 0
        '00 00 00 03 01 02 03', //              records: int32 length 3 + bytes
      ),
    )
  })

  it('request v13 (topics by id)', () => {
    const request = createProduceRequest({
      transactionalId: 'tx',
      acks: 1,
      timeoutMs: 30000,
      topicData: [
        createProduceRequestTopicProduceData({
          topicId: UUID_00_0F,
          partitionData: [createProduceRequestPartitionProduceData({ index: 2, records })],
        }),
      ],
    })
    checkBody(
      ProduceApi,
      'request',
      13,
      request,
      hex(
        '03 74 78', //                      transactional_id: compact "tx"
        '00 01', //                         acks = 1
        '00 00 75 30', //                   timeout_ms = 30000
        '02', //                            topic_data: 1 element
        UUID_00_0F_HEX, //                    topic_id (name is v0-12)
        '02', //                              partition_data: 1 element
        '00 00 00 02', //                       index 2
        '04 01 02 03', //                       records: compact bytes, uvarint 3+1
        '00', //                                tagged fields
        '00', //                              tagged fields
        '00', //                            tagged fields
      ),
    )
    // the name is ignorable: dropped silently at v13, so it reads back as the default
    const withName = createProduceRequest({ ...request, topicData: [{ ...request.topicData[0]!, name: 'foo' }] })
    expect(toHex(encodeBody(ProduceApi, 'request', 13, withName))).toBe(toHex(encodeBody(ProduceApi, 'request', 13, request)))
  })
})

describe('Fetch', () => {
  it('request v4', () => {
    const request = createFetchRequest({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      topics: [
        createFetchRequestFetchTopic({
          topic: 'foo',
          partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 100n, partitionMaxBytes: 1048576 })],
        }),
      ],
    })
    checkBody(
      FetchApi,
      'request',
      4,
      request,
      hex(
        'ff ff ff ff', //                   replica_id = -1
        '00 00 01 f4', //                   max_wait_ms = 500
        '00 00 00 01', //                   min_bytes = 1
        '03 20 00 00', //                   max_bytes = 52428800
        '01', //                            isolation_level = 1 (read_committed)
        //                                  session_id, session_epoch: v7+
        '00 00 00 01', //                   topics: count 1
        '00 03 66 6f 6f', //                  topic "foo"
        '00 00 00 01', //                     partitions: count 1
        '00 00 00 00', //                       partition 0 (current_leader_epoch is v9+)
        '00 00 00 00 00 00 00 64', //           fetch_offset = 100 (log_start_offset is v5+)
        '00 10 00 00', //                       partition_max_bytes = 1048576
        //                                  forgotten_topics_data: v7+, rack_id: v11+
      ),
    )
  })

  it('request v18 with tagged fields at three levels', () => {
    const request = createFetchRequest({
      clusterId: 'c1',
      replicaState: createFetchRequestReplicaState({ replicaId: 3, replicaEpoch: 9n }),
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 7,
      sessionEpoch: 2,
      topics: [
        createFetchRequestFetchTopic({
          topicId: UUID_00_0F,
          partitions: [
            createFetchRequestFetchPartition({
              partition: 0,
              currentLeaderEpoch: 5,
              fetchOffset: 100n,
              lastFetchedEpoch: 4,
              logStartOffset: -1n,
              partitionMaxBytes: 1048576,
              highWatermark: 200n,
            }),
          ],
        }),
      ],
      forgottenTopicsData: [createFetchRequestForgottenTopic({ topicId: UUID_10_1F, partitions: [1, 2] })],
      rackId: 'r1',
    })
    checkBody(
      FetchApi,
      'request',
      18,
      request,
      hex(
        //                                  cluster_id: tagged; replica_id: v0-14; replica_state: tagged
        '00 00 01 f4', //                   max_wait_ms = 500
        '00 00 00 01', //                   min_bytes = 1
        '03 20 00 00', //                   max_bytes = 52428800
        '01', //                            isolation_level = 1
        '00 00 00 07', //                   session_id = 7
        '00 00 00 02', //                   session_epoch = 2
        '02', //                            topics: 1 element
        UUID_00_0F_HEX, //                    topic_id (topic name is v0-12)
        '02', //                              partitions: 1 element
        '00 00 00 00', //                       partition 0
        '00 00 00 05', //                       current_leader_epoch = 5
        '00 00 00 00 00 00 00 64', //           fetch_offset = 100
        '00 00 00 04', //                       last_fetched_epoch = 4
        'ff ff ff ff ff ff ff ff', //           log_start_offset = -1
        '00 10 00 00', //                       partition_max_bytes
        '01', //                                tagged fields: 1 (replica_directory_id is the zero uuid: default)
        '01 08 00 00 00 00 00 00 00 c8', //     tag 1 (high_watermark), size 8, 200
        '00', //                              tagged fields
        '02', //                            forgotten_topics_data: 1 element
        UUID_10_1F_HEX, //                    topic_id
        '03 00 00 00 01 00 00 00 02', //      partitions: compact [1, 2]
        '00', //                              tagged fields
        '03 72 31', //                      rack_id: compact "r1"
        '02', //                            tagged fields: 2
        '00 03 03 63 31', //                  tag 0 (cluster_id), size 3: compact "c1"
        '01 0d', //                           tag 1 (replica_state), size 13
        '00 00 00 03', //                       replica_id = 3
        '00 00 00 00 00 00 00 09', //           replica_epoch = 9
        '00', //                                tagged fields of the struct
      ),
    )
  })

  const fetchResponseV18 = createFetchResponse({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 7,
    responses: [
      createFetchResponseFetchableTopicResponse({
        topicId: UUID_00_0F,
        partitions: [
          createFetchResponsePartitionData({
            partitionIndex: 0,
            errorCode: 6,
            highWatermark: 100n,
            lastStableOffset: 100n,
            logStartOffset: 0n,
            divergingEpoch: createFetchResponseEpochEndOffset({ epoch: 4, endOffset: 90n }),
            currentLeader: createFetchResponseLeaderIdAndEpoch({ leaderId: 2, leaderEpoch: 5 }),
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: hex('01 02 03'),
          }),
        ],
      }),
    ],
    nodeEndpoints: [createFetchResponseNodeEndpoint({ nodeId: 2, host: 'b2', port: 9092, rack: 'r2' })],
  })

  const fetchResponseV18Bytes = hex(
    '00 00 00 00', //                       throttle_time_ms = 0
    '00 00', //                             error_code = 0
    '00 00 00 07', //                       session_id = 7
    '02', //                                responses: 1 element
    UUID_00_0F_HEX, //                        topic_id
    '02', //                                  partitions: 1 element
    '00 00 00 00', //                           partition_index 0
    '00 06', //                                 error_code 6 (NOT_LEADER_OR_FOLLOWER)
    '00 00 00 00 00 00 00 64', //               high_watermark 100
    '00 00 00 00 00 00 00 64', //               last_stable_offset 100
    '00 00 00 00 00 00 00 00', //               log_start_offset 0
    '00', //                                    aborted_transactions: null
    'ff ff ff ff', //                           preferred_read_replica -1
    '04 01 02 03', //                           records: compact bytes, 3
    '02', //                                    tagged fields: 2 (snapshot_id at default)
    '00 0d', //                                 tag 0 (diverging_epoch), size 13
    '00 00 00 04', //                             epoch 4
    '00 00 00 00 00 00 00 5a', //                 end_offset 90
    '00', //                                      tagged fields
    '01 09', //                                 tag 1 (current_leader), size 9
    '00 00 00 02 00 00 00 05', //                 leader_id 2, leader_epoch 5
    '00', //                                      tagged fields
    '00', //                                  tagged fields of the topic
    '01', //                                tagged fields: 1
    '00 10', //                               tag 0 (node_endpoints), size 16
    '02', //                                    1 element
    '00 00 00 02', //                           node_id 2
    '03 62 32', //                              host "b2"
    '00 00 23 84', //                           port 9092
    '03 72 32', //                              rack "r2"
    '00', //                                    tagged fields
  )

  it('response v18 with tagged fields (diverging epoch, current leader, node endpoints)', () => {
    checkBody(FetchApi, 'response', 18, fetchResponseV18, fetchResponseV18Bytes)
  })

  it('response v18: decoding skips unknown tags, in any struct', () => {
    const withUnknown = hex(
      '00 00 00 00 00 00 00 00 00 07', //   throttle_time_ms, error_code, session_id
      '02',
      UUID_00_0F_HEX,
      '02',
      '00 00 00 00 00 06',
      '00 00 00 00 00 00 00 64 00 00 00 00 00 00 00 64 00 00 00 00 00 00 00 00',
      '00 ff ff ff ff 04 01 02 03',
      '03', //                              tagged fields: 3 now
      '00 0d 00 00 00 04 00 00 00 00 00 00 00 5a 00',
      '01 09 00 00 00 02 00 00 00 05 00',
      '07 02 ab cd', //                     tag 7: unknown, size 2, skipped
      '01', //                              topic tagged fields: 1
      '1f 00', //                             tag 31: unknown, size 0
      '02', //                              top-level tagged fields: 2
      '00 10 02 00 00 00 02 03 62 32 00 00 23 84 03 72 32 00',
      'a0 01 01 ee', //                       tag 160 (two-byte uvarint a0 01): unknown, size 1
    )
    const reader = new Reader(withUnknown)
    expect(decodeFetchResponse(reader, 18)).toStrictEqual(fetchResponseV18)
    expect(reader.offset).toBe(withUnknown.length)
  })

  it('response v18: a known tagged field whose value does not end at its size is a DecodeError', () => {
    const bytes = fetchResponseV18Bytes.slice()
    // node_endpoints: claim 17 bytes instead of 16 (and add one byte so the size fits the input)
    const sizeAt = bytes.length - 17
    expect(bytes[sizeAt]).toBe(0x10)
    const longer = new Uint8Array(bytes.length + 1)
    longer.set(bytes)
    longer[sizeAt] = 0x11
    expect(() => decodeFetchResponse(new Reader(longer), 18)).toThrow(DecodeError)
    // a size larger than the input
    bytes[sizeAt] = 0x7f
    expect(() => decodeFetchResponse(new Reader(bytes), 18)).toThrow(DecodeError)
  })

  it('a tagged value of 128 bytes or more gets a multi-byte size', () => {
    const host = 'h'.repeat(200)
    const response = createFetchResponse({ nodeEndpoints: [createFetchResponseNodeEndpoint({ nodeId: 1, host, port: 1 })] })
    const bytes = encodeBody(FetchApi, 'response', 18, response)
    const value = 1 + 4 + 2 + 200 + 4 + 1 + 1 // array length, node_id, host (uvarint 201 = c9 01), port, rack null, tags
    expect(value).toBe(213)
    expect(toHex(bytes)).toBe(
      toHex(
        hex(
          '00 00 00 00 00 00 00 00 00 00', // throttle_time_ms, error_code, session_id
          '01', //                          responses: empty
          '01 00', //                       tagged fields: 1, tag 0
          'd5 01', //                       size 213 as uvarint
          '02 00 00 00 01 c9 01',
          '68'.repeat(200),
          '00 00 00 01 00 00',
        ),
      ),
    )
    expect(decodeFetchResponse(new Reader(bytes), 18)).toStrictEqual(response)
  })

  it('response v18 re-encodes a decoded message byte for byte', () => {
    const writer = new Writer()
    encodeFetchResponse(writer, 18, decodeFetchResponse(new Reader(fetchResponseV18Bytes), 18))
    expect(toHex(writer.finish())).toBe(toHex(fetchResponseV18Bytes))
  })
})

describe('EncodeError: what a version cannot carry', () => {
  it('a non-default non-ignorable field absent from the version', () => {
    const request = createMetadataRequest({ includeClusterAuthorizedOperations: true })
    expect(() => encodeBody(MetadataApi, 'request', 10, request)).not.toThrow()
    expect(() => encodeBody(MetadataApi, 'request', 12, request)).toThrow(EncodeError)
    expect(() => encodeBody(MetadataApi, 'request', 12, request)).toThrow(
      /MetadataRequest version 12 .*IncludeClusterAuthorizedOperations/,
    )
    // allow_auto_topic_creation (v4+, not ignorable, default true): false cannot be sent at v3
    expect(() => encodeBody(MetadataApi, 'request', 3, createMetadataRequest({ allowAutoTopicCreation: false }))).toThrow(
      /MetadataRequest version 3 .*AllowAutoTopicCreation/,
    )
    // ... but its default can
    expect(encodeBody(MetadataApi, 'request', 3, createMetadataRequest())).toEqual(hex('00 00 00 00'))
    // in a nested struct: last_fetched_epoch is v12+ and not ignorable
    const fetch = createFetchRequest({
      topics: [createFetchRequestFetchTopic({ topic: 'foo', partitions: [createFetchRequestFetchPartition({ lastFetchedEpoch: 3 })] })],
    })
    expect(() => encodeBody(FetchApi, 'request', 11, fetch)).toThrow(/FetchRequest version 11 .*LastFetchedEpoch/)
    // a tagged struct field absent from the version
    const withState = createFetchRequest({ replicaState: createFetchRequestReplicaState({ replicaId: 1 }) })
    expect(() => encodeBody(FetchApi, 'request', 14, withState)).toThrow(/ReplicaState/)
  })

  it('an ignorable field absent from the version is dropped silently', () => {
    const fetch = createFetchRequest({
      isolationLevel: 1,
      topics: [createFetchRequestFetchTopic({ topic: 'foo', partitions: [createFetchRequestFetchPartition({ currentLeaderEpoch: 3 })] })],
    })
    const decoded = FetchApi.decodeRequest(new Reader(encodeBody(FetchApi, 'request', 4, fetch)), 4)
    expect(decoded.topics[0]?.partitions[0]?.currentLeaderEpoch).toBe(-1)
    expect(decoded.isolationLevel).toBe(1)
  })

  it('null where the version does not allow it', () => {
    expect(() => encodeBody(MetadataApi, 'request', 0, createMetadataRequest({ topics: null }))).toThrow(
      /MetadataRequest version 0 does not allow null for MetadataRequest.Topics/,
    )
    const topicWithoutName = createMetadataRequest({ topics: [createMetadataRequestTopic({ name: null })] })
    expect(() => encodeBody(MetadataApi, 'request', 9, topicWithoutName)).toThrow(EncodeError)
    expect(() => encodeBody(MetadataApi, 'request', 10, topicWithoutName)).not.toThrow()
    const response = createMetadataResponse({ topics: [createMetadataResponseTopic({ name: null })] })
    expect(() => encodeBody(MetadataApi, 'response', 11, response)).toThrow(/MetadataResponseTopic.Name/)
  })

  it('an explicit null passed to a create function is kept', () => {
    expect(createMetadataRequest({ topics: null }).topics).toBeNull()
    expect(createMetadataRequest().topics).toEqual([])
    expect(createMetadataResponseBroker({ rack: null }).rack).toBeNull()
    expect(createFetchRequest().maxBytes).toBe(0x7fffffff)
    expect(createFetchRequestFetchPartition().highWatermark).toBe(9223372036854775807n)
  })
})

describe('DecodeError: what a version cannot carry', () => {
  it('a null array where the version does not allow it', () => {
    expect(() => MetadataApi.decodeRequest(new Reader(hex('ff ff ff ff')), 0)).toThrow(DecodeError)
    expect(MetadataApi.decodeRequest(new Reader(hex('ff ff ff ff')), 1).topics).toBeNull()
  })

  it('a null string where the version does not allow it', () => {
    // Metadata request v9: topics [ { name: null } ]; name is nullable from v10 only
    expect(() => MetadataApi.decodeRequest(new Reader(hex('02 00 00 01 00 00')), 9)).toThrow(DecodeError)
  })

  it('never a RangeError on random bytes', () => {
    let seed = 12345
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (let round = 0; round < 2000; round++) {
      const bytes = new Uint8Array(random() % 64)
      for (let i = 0; i < bytes.length; i++) bytes[i] = random() & 0xff
      for (const version of [4, 12, 18]) {
        try {
          FetchApi.decodeResponse(new Reader(bytes), version)
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError)
        }
      }
    }
  })
})

describe('consumer protocol', () => {
  it('subscription v0 and v3, with the int16 version prefix', () => {
    const v0 = createConsumerProtocolSubscription({ topics: ['foo'] })
    const v0Bytes = hex(
      '00 00', //                           version 0
      '00 00 00 01 00 03 66 6f 6f', //      topics: ["foo"]
      'ff ff ff ff', //                     user_data: null
    )
    expect(toHex(encodeConsumerProtocolSubscription(v0, 0))).toBe(toHex(v0Bytes))
    expect(decodeConsumerProtocolSubscription(v0Bytes)).toStrictEqual(v0)

    const v3 = createConsumerProtocolSubscription({
      topics: ['foo'],
      userData: hex('aa'),
      ownedPartitions: [createConsumerProtocolSubscriptionTopicPartition({ topic: 'foo', partitions: [0, 1] })],
      generationId: 4,
      rackId: 'r1',
    })
    const v3Bytes = hex(
      '00 03', //                           version 3
      '00 00 00 01 00 03 66 6f 6f', //      topics: ["foo"]
      '00 00 00 01 aa', //                  user_data: 1 byte
      '00 00 00 01', //                     owned_partitions: 1
      '00 03 66 6f 6f', //                    topic "foo"
      '00 00 00 02 00 00 00 00 00 00 00 01', // partitions [0, 1]
      '00 00 00 04', //                     generation_id 4
      '00 02 72 31', //                     rack_id "r1"
    )
    expect(toHex(encodeConsumerProtocolSubscription(v3, 3))).toBe(toHex(v3Bytes))
    expect(decodeConsumerProtocolSubscription(v3Bytes)).toStrictEqual(v3)
    // a future version 9 with an appended field: read with the v3 layout, the rest ignored
    const future = hex('00 09', toHex(v3Bytes.subarray(2)), '00 00 00 2a')
    expect(decodeConsumerProtocolSubscription(future)).toStrictEqual(v3)
    expect(() => decodeConsumerProtocolSubscription(hex('ff ff'))).toThrow(DecodeError)
    expect(() => decodeConsumerProtocolSubscription(hex('00'))).toThrow(DecodeError)
  })

  it('assignment v1', () => {
    const assignment = createConsumerProtocolAssignment({
      assignedPartitions: [createConsumerProtocolAssignmentTopicPartition({ topic: 'foo', partitions: [2] })],
    })
    const bytes = hex(
      '00 01', //                           version 1
      '00 00 00 01 00 03 66 6f 6f 00 00 00 01 00 00 00 02', // [{ topic "foo", partitions [2] }]
      'ff ff ff ff', //                     user_data: null
    )
    expect(toHex(encodeConsumerProtocolAssignment(assignment, 1))).toBe(toHex(bytes))
    expect(decodeConsumerProtocolAssignment(bytes)).toStrictEqual(assignment)
  })
})
