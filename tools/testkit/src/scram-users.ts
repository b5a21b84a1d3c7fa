// Writes the test cluster's SCRAM users again through AlterUserScramCredentials.
//
// Why: with Kafka 4.3.1 (and 3.9.2), a combined broker+controller node that restarts rejects the
// SCRAM users created at format time (`--add-scram`) with "invalid credentials", while the other
// nodes accept them; it was seen both with per-node random salts and with identical salts on every
// node. Credentials written through the API after the restart are accepted everywhere. So every
// (re)start of a node ends with this upsert, and tests always see the documented users.
import { createHash, pbkdf2Sync } from 'node:crypto'
import { connect } from 'node:net'
import { AlterUserScramCredentialsApi, Reader, Writer, encodeRequestHeader } from '@kafkats/protocol'

export interface ScramUser {
  username: string
  password: string
}

const MECHANISMS = [
  { id: 1, name: 'SCRAM-SHA-256', hash: 'sha256', bytes: 32 },
  { id: 2, name: 'SCRAM-SHA-512', hash: 'sha512', bytes: 64 },
] as const
const ITERATIONS = 4096

/** The salt is derived from the user and mechanism, so the format-time and API credentials agree. */
export function scramSalt(mechanism: string, username: string): Buffer {
  return createHash('sha256').update(`kafkats-test-salt:${mechanism}:${username}`).digest().subarray(0, 16)
}

export function scramSaltedPassword(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: ScramUser): Buffer {
  const spec = MECHANISMS.find((m) => m.name === mechanism)!
  return pbkdf2Sync(user.password, scramSalt(mechanism, user.username), ITERATIONS, spec.bytes, spec.hash)
}

/**
 * Upserts both SCRAM mechanisms of every user through the broker at `host:port` (PLAINTEXT, a
 * super user). A request may name each user once, so each mechanism is its own request.
 */
export async function upsertScramUsers(host: string, port: number, users: readonly ScramUser[]): Promise<void> {
  const version = 0
  for (const [index, mechanism] of MECHANISMS.entries()) {
    const writer = new Writer()
    const size = writer.reserveInt32()
    encodeRequestHeader(writer, AlterUserScramCredentialsApi.requestHeaderVersion(version), {
      requestApiKey: AlterUserScramCredentialsApi.apiKey,
      requestApiVersion: version,
      correlationId: index,
      clientId: 'kafkats-testkit',
    })
    const upsertions = users.map((user) => ({
      name: user.username,
      mechanism: mechanism.id,
      iterations: ITERATIONS,
      salt: scramSalt(mechanism.name, user.username),
      saltedPassword: scramSaltedPassword(mechanism.name, user),
    }))
    AlterUserScramCredentialsApi.encodeRequest(writer, version, AlterUserScramCredentialsApi.createRequest({ upsertions }))
    writer.setInt32(size, writer.offset - 4)
    const reader = new Reader(await roundTrip(host, port, writer.finish()))
    reader.int32() // correlation id
    reader.skipTaggedFields() // response header v1
    const failed = AlterUserScramCredentialsApi.decodeResponse(reader, version).results.filter((result) => result.errorCode !== 0)
    if (failed.length > 0) {
      throw new Error(`AlterUserScramCredentials failed: ${failed.map((r) => `${r.user}: ${r.errorCode} ${r.errorMessage ?? ''}`).join('; ')}`)
    }
  }
}

function roundTrip(host: string, port: number, frame: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    let buffered = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no AlterUserScramCredentials answer from ${host}:${port}`))
    }, 15_000)
    socket.on('connect', () => socket.write(frame))
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        clearTimeout(timer)
        socket.destroy()
        resolve(buffered.subarray(4, 4 + buffered.readInt32BE(0)))
      }
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}
