/**
 * Key handling and authenticated encryption for the repository (see docs/format.md).
 *
 * A random master key (32 bytes for AES-256-GCM, 32 for the keyed chunk names) is wrapped twice:
 * by a key derived from the passphrase with scrypt, and by the printable recovery key. Either one
 * opens the repository on a new computer.
 */
import crypto from 'node:crypto';
import { TillvaultError } from '../errors.js';

export interface MasterKeys {
  /** AES-256-GCM key for blobs, manifests, indexes and log entries. */
  readonly encKey: Buffer;
  /** HMAC key that names chunks, so names do not reveal content. */
  readonly idKey: Buffer;
}

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
}

export interface WrappedKey {
  /** base64 of nonce ‖ ciphertext ‖ tag */
  readonly wrapped: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * One of OWASP's equivalent scrypt settings (N=2^16, r=8, p=2): the work of N=2^17, p=1 with
 * half the memory (64 MiB), so opening backups stays light on a small shop PC.
 */
export const DEFAULT_SCRYPT = { N: 2 ** 16, r: 8, p: 2 } as const;

export function newMasterKeys(): MasterKeys {
  const raw = crypto.randomBytes(64);
  return { encKey: raw.subarray(0, 32), idKey: raw.subarray(32, 64) };
}

function masterKeyBytes(keys: MasterKeys): Buffer {
  return Buffer.concat([keys.encKey, keys.idKey]);
}

// Random nonces drawn from a pool: one randomBytes call per page cost more than the AES itself.
const NONCE_POOL = 256 * NONCE_BYTES;
let noncePool = Buffer.alloc(0);
let nonceAt = NONCE_POOL;

function nextNonce(): Buffer {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = crypto.randomBytes(NONCE_POOL);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** Bytes sealing adds: the nonce before the ciphertext, the tag after it. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/**
 * Encrypts with a fresh nonce: nonce ‖ ciphertext ‖ tag. Into `out` when given (at least
 * plaintext + SEAL_OVERHEAD bytes), so a worker fills its reply without another copy.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer, out?: Buffer): Buffer {
  const nonce = nextNonce();
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final();
  const length = SEAL_OVERHEAD + body.length;
  const sealed = out ? out.subarray(0, length) : Buffer.allocUnsafe(length);
  nonce.copy(sealed, 0);
  body.copy(sealed, NONCE_BYTES);
  cipher.getAuthTag().copy(sealed, NONCE_BYTES + body.length);
  return sealed;
}

/** Returns null when the bytes are not authentic (wrong key, tampered, truncated). */
export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | null {
  if (sealed.length < SEAL_OVERHEAD) return null;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    // GCM's final() yields no bytes, only the tag check: no concat (a copy per chunk) needed.
    decipher.final();
    return plain;
  } catch {
    return null;
  }
}

/**
 * A low cost, scrypt's interactive one (N=2^14, r=1, p=1: 12 ms against 0.9 s), for
 * the repositories that tests make and unlock by the hundred, as restic's tests lower theirs.
 * Only `TILLVAULT_TEST_FAST_KDF=1` selects it; the app clears that variable when it starts.
 */
export const TEST_SCRYPT = { N: 2 ** 14, r: 1, p: 1 } as const;

export function newScryptParams(env: NodeJS.ProcessEnv = process.env): ScryptParams {
  const cost = env['TILLVAULT_TEST_FAST_KDF'] === '1' ? TEST_SCRYPT : DEFAULT_SCRYPT;
  return { ...cost, salt: crypto.randomBytes(16).toString('base64') };
}

// One derivation per passphrase and salt per process: a restore that takes its safety backup
// opens the same repository twice, and scrypt is deliberately slow.
const derived = new Map<string, Promise<Buffer>>();

export function derivePassphraseKey(passphrase: string, params: ScryptParams): Promise<Buffer> {
  const normalized = passphrase.normalize('NFC');
  const memo = sha256(Buffer.from(JSON.stringify([normalized, params]))).toString('hex');
  const known = derived.get(memo);
  if (known) return known;
  const key = new Promise<Buffer>((resolve, reject) => {
    crypto.scrypt(
      normalized,
      Buffer.from(params.salt, 'base64'),
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, k) => (err ? reject(err) : resolve(k)),
    );
  });
  derived.set(memo, key);
  key.catch(() => derived.delete(memo));
  return key;
}

export function wrapMasterKeys(kek: Buffer, keys: MasterKeys, repoId: string): WrappedKey {
  return { wrapped: seal(kek, masterKeyBytes(keys), Buffer.from(repoId)).toString('base64') };
}

export function unwrapMasterKeys(kek: Buffer, w: WrappedKey, repoId: string): MasterKeys | null {
  const raw = open(kek, Buffer.from(w.wrapped, 'base64'), Buffer.from(repoId));
  if (!raw || raw.length !== 64) return null;
  return { encKey: raw.subarray(0, 32), idKey: raw.subarray(32, 64) };
}

// Crockford's base32: no I, L, O, U, so a key read aloud or typed from paper survives.
const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_BYTES = 20;

/** A printable recovery key: 160 random bits as 8 groups of 4 characters. */
export function newRecoveryKey(): string {
  const bytes = crypto.randomBytes(RECOVERY_BYTES);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** Accepts what people type: lower case, spaces, O for 0, I/L for 1. */
export function parseRecoveryKey(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== (RECOVERY_BYTES * 8) / 5 || /[^0-9A-HJKMNP-TV-Z]/.test(clean)) {
    throw new TillvaultError(
      'WRONG_PASSPHRASE',
      'That recovery key is not complete: it has 8 groups of 4 letters and digits.',
    );
  }
  const out = Buffer.alloc(RECOVERY_BYTES);
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of clean) {
    value = (value << 5) | B32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out[i++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  return out;
}

/** The recovery key has full entropy, so a fast KDF is enough. */
export function deriveRecoveryKek(recoveryKey: string, salt: string): Buffer {
  const ikm = parseRecoveryKey(recoveryKey);
  return Buffer.from(
    crypto.hkdfSync('sha256', ikm, Buffer.from(salt, 'base64'), 'tillvault recovery key', 32),
  );
}

export function hmac(key: Buffer, data: Buffer): Buffer {
  return crypto.createHmac('sha256', key).update(data).digest();
}

export function sha256(data: Buffer): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}
