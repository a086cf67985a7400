/**
 * The repository's config file (`tillvault.json`): written once at init, identical in every
 * destination of one backup job, so that any destination can repair another.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import {
  deriveRecoveryKek,
  derivePassphraseKey,
  hmac,
  newMasterKeys,
  newRecoveryKey,
  newScryptParams,
  sha256,
  unwrapMasterKeys,
  wrapMasterKeys,
  type MasterKeys,
} from './crypto.js';
import { CODECS } from './codec.js';
import { TillvaultError } from '../errors.js';

/**
 * The format new repositories get. 2 seals frames of neighbouring chunks (chunk.ts); 1 sealed
 * every chunk alone. Both are read and written: a repository keeps the format it was made with,
 * so an older Tillvault sharing it keeps working.
 */
export const FORMAT_VERSION = 2;
const FORMATS = [1, 2] as const;
export type RepoFormat = (typeof FORMATS)[number];

const encryptionSchema = z.object({
  cipher: z.literal('aes-256-gcm'),
  chunkNames: z.literal('hmac-sha256'),
  kdf: z.object({
    name: z.literal('scrypt'),
    // Bounded by checkScryptCost, which says why a cost is refused.
    N: z.number().int().min(2),
    r: z.number().int().min(1),
    p: z.number().int().min(1),
    salt: z.string().min(16),
  }),
  passphraseKey: z.object({ wrapped: z.string() }),
  recoveryKey: z.object({ salt: z.string().min(16), wrapped: z.string() }),
});

export const repoConfigSchema = z.object({
  format: z.literal('tillvault-repository'),
  version: z.union([z.literal(FORMATS[0]), z.literal(FORMATS[1])]),
  id: z.string().regex(/^[0-9a-f-]{36}$/),
  createdAt: z.string(),
  compression: z.enum(CODECS),
  chunking: z.literal('sqlite-page'),
  encryption: encryptionSchema.nullable(),
  /** HMAC (or plain SHA-256 when unencrypted) over the rest, so settings cannot be swapped. */
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

export type RepoConfig = z.infer<typeof repoConfigSchema>;

/** What opens a repository: a passphrase, a recovery key, or nothing for an unencrypted one. */
export type Credential =
  | { readonly kind: 'passphrase'; readonly value: string }
  | { readonly kind: 'recovery-key'; readonly value: string }
  | { readonly kind: 'none' };

function macInput(config: Omit<RepoConfig, 'mac'>): Buffer {
  const { format, version, id, createdAt, compression, chunking, encryption } = config;
  return Buffer.from(
    JSON.stringify({ format, version, id, createdAt, compression, chunking, encryption }),
  );
}

function macOf(config: Omit<RepoConfig, 'mac'>, keys: MasterKeys | null): string {
  const input = macInput(config);
  return (keys ? hmac(keys.idKey, input) : sha256(input)).toString('hex');
}

export interface NewRepo {
  config: RepoConfig;
  keys: MasterKeys | null;
  /** Shown once to the person who set the backup up; null when unencrypted. */
  recoveryKey: string | null;
}

export async function createRepoConfig(
  passphrase: string | null,
  version: RepoFormat = FORMAT_VERSION,
): Promise<NewRepo> {
  const id = crypto.randomUUID();
  const base = {
    format: 'tillvault-repository' as const,
    version,
    id,
    createdAt: new Date().toISOString(),
    compression: 'zstd' as const,
    chunking: 'sqlite-page' as const,
  };
  if (passphrase === null) {
    const config = { ...base, encryption: null };
    return { config: { ...config, mac: macOf(config, null) }, keys: null, recoveryKey: null };
  }
  const keys = newMasterKeys();
  const kdf = newScryptParams();
  const recoveryKey = newRecoveryKey();
  const recoverySalt = crypto.randomBytes(16).toString('base64');
  const encryption = {
    cipher: 'aes-256-gcm' as const,
    chunkNames: 'hmac-sha256' as const,
    kdf: { name: 'scrypt' as const, ...kdf },
    passphraseKey: wrapMasterKeys(await derivePassphraseKey(passphrase, kdf), keys, id),
    recoveryKey: {
      salt: recoverySalt,
      ...wrapMasterKeys(deriveRecoveryKek(recoveryKey, recoverySalt), keys, id),
    },
  };
  const config = { ...base, encryption };
  return { config: { ...config, mac: macOf(config, keys) }, keys, recoveryKey };
}

/**
 * The most a place may ask scrypt to spend. Its parameters are read before anything there is
 * authenticated (they are what authenticates), so a tampered place could otherwise ask for
 * minutes of CPU and gigabytes (N=2^22, r=32 is 16 GiB). Tillvault writes N=2^16, r=8, p=2
 * (64 MiB, ~0.9 s here); up to twice that memory and four times that work is accepted, so a
 * later version may raise the cost a little without old ones refusing its backups.
 */
export const MAX_SCRYPT_MEMORY = 128 * 1024 * 1024;
export const MAX_SCRYPT_WORK = 4 * 2 ** 16 * 8 * 2;

function checkScryptCost(kdf: { N: number; r: number; p: number }): void {
  const memory = 128 * kdf.N * kdf.r;
  const powerOfTwo = (kdf.N & (kdf.N - 1)) === 0;
  if (!powerOfTwo || memory > MAX_SCRYPT_MEMORY || kdf.N * kdf.r * kdf.p > MAX_SCRYPT_WORK) {
    throw new TillvaultError(
      'DAMAGED',
      `The settings file here asks for a passphrase check far costlier than Tillvault ever sets (scrypt N=${kdf.N}, r=${kdf.r}, p=${kdf.p}: ${Math.round(memory / 2 ** 20)} MiB): it was altered, so nothing was opened. Repair this place from another one.`,
    );
  }
}

export function parseRepoConfig(text: string): RepoConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TillvaultError('DAMAGED', 'The repository settings file is not readable.');
  }
  const parsed = repoConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TillvaultError(
      'NOT_A_REPOSITORY',
      'This folder holds a settings file Tillvault does not understand (newer version or damaged).',
    );
  }
  if (parsed.data.encryption) checkScryptCost(parsed.data.encryption.kdf);
  return parsed.data;
}

/** Unlocks the master keys and checks the config is authentic. */
export async function unlockRepoConfig(
  config: RepoConfig,
  credential: Credential,
): Promise<MasterKeys | null> {
  const enc = config.encryption;
  if (!enc) {
    // Whoever can write the place can write an unencrypted settings file with a valid plain
    // hash. A passphrase or recovery key means these backups are encrypted: a place saying
    // otherwise was tampered with, and must never be read as, or written to, plain text.
    if (credential.kind !== 'none') {
      throw new TillvaultError(
        'DAMAGED',
        'The settings file here says these backups are not encrypted, but they are opened with a passphrase: it was replaced (encryption switched off), so nothing was read or written. Repair this place from another one; if these are unencrypted backups, open them without a passphrase.',
      );
    }
    if (macOf(config, null) !== config.mac) {
      throw new TillvaultError('DAMAGED', 'The repository settings file was altered.');
    }
    return null;
  }
  let keys: MasterKeys | null;
  if (credential.kind === 'passphrase') {
    const kek = await derivePassphraseKey(credential.value, enc.kdf);
    keys = unwrapMasterKeys(kek, enc.passphraseKey, config.id);
    if (!keys) throw new TillvaultError('WRONG_PASSPHRASE', 'The passphrase is not correct.');
  } else if (credential.kind === 'recovery-key') {
    keys = unwrapMasterKeys(
      deriveRecoveryKek(credential.value, enc.recoveryKey.salt),
      enc.recoveryKey,
      config.id,
    );
    if (!keys) throw new TillvaultError('WRONG_PASSPHRASE', 'The recovery key is not correct.');
  } else {
    throw new TillvaultError(
      'PASSPHRASE_REQUIRED',
      'These backups are encrypted: give the passphrase (TILLVAULT_PASSPHRASE or --passphrase-file).',
    );
  }
  if (macOf(config, keys) !== config.mac) {
    throw new TillvaultError('DAMAGED', 'The repository settings file was altered.');
  }
  return keys;
}

/**
 * The same repository (id, keys, recovery key) opened by a new passphrase: a new salt and the
 * master keys wrapped again; the settings are signed again with the unchanged keys.
 */
export async function rewrapPassphrase(
  config: RepoConfig,
  keys: MasterKeys,
  passphrase: string,
): Promise<RepoConfig> {
  if (!config.encryption) {
    throw new TillvaultError(
      'BAD_INPUT',
      'These backups are not encrypted: there is no passphrase to change.',
    );
  }
  const kdf = newScryptParams();
  const encryption = {
    ...config.encryption,
    kdf: { name: 'scrypt' as const, ...kdf },
    passphraseKey: wrapMasterKeys(await derivePassphraseKey(passphrase, kdf), keys, config.id),
  };
  const { mac: _mac, ...rest } = config;
  const next = { ...rest, encryption };
  return { ...next, mac: macOf(next, keys) };
}

/**
 * The same repository (id, keys, passphrase) opened by a new recovery key instead of the old
 * one: a new key and salt, the master keys wrapped again; signed again with the unchanged keys.
 */
export function rewrapRecoveryKey(
  config: RepoConfig,
  keys: MasterKeys,
): { config: RepoConfig; recoveryKey: string } {
  if (!config.encryption) {
    throw new TillvaultError(
      'BAD_INPUT',
      'These backups are not encrypted: there is no recovery key to renew.',
    );
  }
  const recoveryKey = newRecoveryKey();
  const salt = crypto.randomBytes(16).toString('base64');
  const encryption = {
    ...config.encryption,
    recoveryKey: { salt, ...wrapMasterKeys(deriveRecoveryKek(recoveryKey, salt), keys, config.id) },
  };
  const { mac: _mac, ...rest } = config;
  const next = { ...rest, encryption };
  return { config: { ...next, mac: macOf(next, keys) }, recoveryKey };
}
