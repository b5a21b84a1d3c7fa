// Test CA + broker certificate, generated once per run dir with the openssl CLI.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface CertPaths {
  dir: string
  /** PEM CA certificate: what clients trust (`tls.connect({ ca })`). */
  caPath: string
  /** Broker keystore for `ssl.keystore.type=PEM`: PKCS#8 key + broker cert + CA cert. */
  keystorePath: string
}

export function certPaths(dir: string): CertPaths {
  return { dir, caPath: join(dir, 'ca.crt'), keystorePath: join(dir, 'broker-keystore.pem') }
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run(process.env['OPENSSL'] ?? 'openssl', args, { cwd })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`)
  }
}

/**
 * Generates (if missing) a test CA and a broker certificate valid for IP 127.0.0.1 and DNS
 * localhost, signed by that CA. The key is written as unencrypted PKCS#8, which Kafka's PEM
 * keystore requires (PKCS#1 "BEGIN RSA PRIVATE KEY" does not load).
 */
export async function ensureCerts(dir: string): Promise<CertPaths> {
  const paths = certPaths(dir)
  if (existsSync(paths.caPath) && existsSync(paths.keystorePath)) return paths
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  // prettier-ignore
  await openssl(tmp, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=kafkats-testkit-ca',
    '-keyout', 'ca.key', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  await openssl(tmp, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'broker.key', '-out', 'broker.csr'])
  writeFileSync(
    join(tmp, 'ext.cnf'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n',
  )
  // prettier-ignore
  await openssl(tmp, ['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '3650', '-out', 'broker.crt', '-extfile', 'ext.cnf'])
  // normalise to unencrypted PKCS#8 whatever the openssl version wrote
  await openssl(tmp, ['pkcs8', '-topk8', '-nocrypt', '-in', 'broker.key', '-out', 'broker.pk8.pem'])
  const key = readFileSync(join(tmp, 'broker.pk8.pem'), 'utf8')
  if (!key.includes('-----BEGIN PRIVATE KEY-----')) throw new Error('openssl did not write a PKCS#8 key')
  const keystore = key + readFileSync(join(tmp, 'broker.crt'), 'utf8') + readFileSync(join(tmp, 'ca.crt'), 'utf8')
  writeFileSync(join(tmp, 'broker-keystore.pem'), keystore)
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  return paths
}
