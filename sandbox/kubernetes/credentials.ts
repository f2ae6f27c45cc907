/** Credentials of a sandbox cluster: the service-account signing key and the admin's bearer token. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterCredentials {
  serviceAccountKeyFile: string;
  serviceAccountPublicKeyFile: string;
  tokenAuthFile: string;
  adminToken: string;
}

/** Writes a fresh RSA signing key and a static token file whose one user is in system:masters. */
export function writeClusterCredentials(dir: string): ClusterCredentials {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKeyFile = join(dir, 'sa.key');
  const serviceAccountPublicKeyFile = join(dir, 'sa.pub');
  writeFileSync(serviceAccountKeyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  writeFileSync(serviceAccountPublicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const adminToken = randomBytes(24).toString('hex');
  const tokenAuthFile = join(dir, 'tokens.csv');
  writeFileSync(tokenAuthFile, `${adminToken},sandbox-admin,sandbox-admin,"system:masters"\n`, { mode: 0o600 });
  return { serviceAccountKeyFile, serviceAccountPublicKeyFile, tokenAuthFile, adminToken };
}
