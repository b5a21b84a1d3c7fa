import { decodeUtf8, encodeUtf8 } from '@kafkats/protocol'
import { describe, expect, it } from 'vitest'
import { AuthenticationError } from '../authentication-error.js'
import { scramMechanism } from './scram.js'

// RFC 7677 §3: the SCRAM-SHA-256 example exchange (user "user", password "pencil").
const clientNonce = 'rOprNGfwEbeRWgbNEkqO'
const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='

describe('SCRAM-SHA-256', () => {
  it('produces the RFC 7677 client messages and accepts the server signature', async () => {
    const sent: string[] = []
    const mechanism = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', clientNonce)
    await mechanism.authenticate(async (bytes) => {
      sent.push(decodeUtf8(bytes))
      return encodeUtf8(sent.length === 1 ? serverFirst : serverFinal)
    }, 'test:1')
    expect(sent).toEqual([`n,,n=user,r=${clientNonce}`, clientFinal])
  })

  it('rejects a server signature that does not verify', async () => {
    const mechanism = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', clientNonce)
    let step = 0
    const run = mechanism.authenticate(async () => encodeUtf8(step++ === 0 ? serverFirst : 'v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), 'test:1')
    await expect(run).rejects.toSatisfy((error: unknown) => AuthenticationError.isInstance(error) && /signature/.test((error as Error).message))
  })

  it('rejects a server nonce that does not extend ours, and too few iterations', async () => {
    const forged = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', clientNonce)
    await expect(forged.authenticate(async () => encodeUtf8('r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'), 'test:1')).rejects.toThrow(/nonce/)
    const weak = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', clientNonce)
    await expect(weak.authenticate(async () => encodeUtf8(`r=${clientNonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000`), 'test:1')).rejects.toThrow(/iterations/)
  })

  it('escapes "=" and "," in the user name (RFC 5802 saslname)', async () => {
    const sent: string[] = []
    const mechanism = scramMechanism('SCRAM-SHA-512', 'a=b,c', 'x', 'nonce')
    await mechanism
      .authenticate(async (bytes) => {
        sent.push(decodeUtf8(bytes))
        throw new Error('stop')
      }, 'test:1')
      .catch(() => undefined)
    expect(sent[0]).toBe('n,,n=a=3Db=2Cc,r=nonce')
  })
})
