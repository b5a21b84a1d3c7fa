import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { decodeUtf8, encodeUtf8 } from '@kafkats/protocol'
import { AuthenticationError } from '../authentication-error.js'
import type { SaslMechanism } from './mechanism.js'

export type ScramAlgorithm = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

const digests = { 'SCRAM-SHA-256': { hash: 'sha256', bytes: 32 }, 'SCRAM-SHA-512': { hash: 'sha512', bytes: 64 } } as const

/** Kafka refuses fewer iterations; a server asking for fewer is not to be trusted. */
const MIN_ITERATIONS = 4096

/**
 * SCRAM (RFC 5802, RFC 7677) as Kafka uses it: no channel binding (`n,,`), and the server's
 * final signature verified before the connection is trusted.
 */
export function scramMechanism(
  algorithm: ScramAlgorithm,
  username: string,
  password: string,
  /** Only for test vectors: a fixed client nonce. */
  fixedClientNonce?: string,
): SaslMechanism {
  const { hash, bytes: keyBytes } = digests[algorithm]
  return {
    name: algorithm,
    async authenticate(exchange, broker) {
      const fail = (message: string): never => {
        throw new AuthenticationError(`${algorithm}: ${message}`, broker)
      }
      const clientNonce = fixedClientNonce ?? randomBytes(24).toString('base64')
      const clientFirstBare = `n=${saslName(username)},r=${clientNonce}`
      const serverFirst = decodeUtf8(await exchange(encodeUtf8(`n,,${clientFirstBare}`)))
      const attributes = parseAttributes(serverFirst)
      if (attributes.e !== undefined) fail(`server error: ${attributes.e}`)
      const nonce = attributes.r
      const salt = attributes.s
      const iterations = Number(attributes.i)
      if (nonce === undefined || salt === undefined || !Number.isInteger(iterations)) fail(`malformed server-first message`)
      if (!nonce!.startsWith(clientNonce) || nonce!.length === clientNonce.length) fail('server nonce does not extend the client nonce')
      if (iterations < MIN_ITERATIONS) fail(`server asks for ${iterations} iterations, fewer than ${MIN_ITERATIONS}`)

      const saltedPassword = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(password.normalize('NFKC'), Buffer.from(salt!, 'base64'), iterations, keyBytes, hash, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      )
      const clientKey = createHmac(hash, saltedPassword).update('Client Key').digest()
      const storedKey = createHash(hash).update(clientKey).digest()
      const clientFinalWithoutProof = `c=biws,r=${nonce}`
      const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
      const clientSignature = createHmac(hash, storedKey).update(authMessage).digest()
      const proof = Buffer.alloc(clientKey.length)
      for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!

      const serverFinal = decodeUtf8(await exchange(encodeUtf8(`${clientFinalWithoutProof},p=${proof.toString('base64')}`)))
      const final = parseAttributes(serverFinal)
      if (final.e !== undefined) fail(`server error: ${final.e}`)
      if (final.v === undefined) fail('server-final message has no signature')
      const serverKey = createHmac(hash, saltedPassword).update('Server Key').digest()
      const expected = createHmac(hash, serverKey).update(authMessage).digest()
      const received = Buffer.from(final.v!, 'base64')
      if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
        fail('server signature does not verify: the broker does not know this password')
      }
    },
  }
}

/** RFC 5802 saslname: ',' and '=' are escaped. */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

function parseAttributes(message: string): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {}
  for (const part of message.split(',')) {
    const equals = part.indexOf('=')
    if (equals === 1) result[part[0]!] = part.slice(2)
  }
  return result
}
