/**
 * Where the CLI gets secrets: the environment or a file, never an argument (arguments show up
 * in process lists and shell history).
 */
import fs from 'node:fs';
import { TillvaultError } from '../engine/errors.js';
import type { Credential } from '../engine/repository/config.js';

export interface SecretOptions {
  passphraseFile?: string;
  recoveryKeyFile?: string;
}

function readSecretFile(file: string, what: string): string {
  try {
    // Notepad on Windows starts a UTF-8 file with a byte-order mark; it is not part of the secret.
    return fs
      .readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .replace(/\r?\n$/, '');
  } catch {
    throw new TillvaultError('BAD_INPUT', `Cannot read the ${what} file ${file}.`);
  }
}

export function credentialFrom(
  opts: SecretOptions,
  env: NodeJS.ProcessEnv = process.env,
): Credential {
  if (opts.recoveryKeyFile) {
    return { kind: 'recovery-key', value: readSecretFile(opts.recoveryKeyFile, 'recovery key') };
  }
  if (opts.passphraseFile) {
    const value = readSecretFile(opts.passphraseFile, 'passphrase');
    if (!value)
      throw new TillvaultError('BAD_INPUT', `The passphrase file ${opts.passphraseFile} is empty.`);
    return { kind: 'passphrase', value };
  }
  const fromEnv = env['TILLVAULT_PASSPHRASE'];
  if (fromEnv) return { kind: 'passphrase', value: fromEnv };
  const recovery = env['TILLVAULT_RECOVERY_KEY'];
  if (recovery) return { kind: 'recovery-key', value: recovery };
  return { kind: 'none' };
}
