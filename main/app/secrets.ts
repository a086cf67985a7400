/**
 * Job passphrases. On disk only when the OS can protect them (Electron's safeStorage uses the
 * keychain, DPAPI or the Secret Service); otherwise they live in memory for this session and
 * the owner is asked again after a restart. Never logged, never in the settings file.
 */
import type { DocumentFile } from './settings.js';

export interface SecretStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** The OS's encryption, as Electron's safeStorage offers it. */
export interface Protector {
  available(): boolean;
  protect(plain: string): Buffer;
  unprotect(sealed: Buffer): string;
}

export class ProtectedSecretStore implements SecretStore {
  private readonly memory = new Map<string, string>();

  constructor(
    private readonly file: DocumentFile,
    private readonly protector: Protector | null,
  ) {}

  get(key: string): string | null {
    const kept = this.memory.get(key);
    if (kept !== undefined) return kept;
    const sealed = this.file.store[key];
    if (typeof sealed !== 'string' || !this.protector?.available()) return null;
    try {
      return this.protector.unprotect(Buffer.from(sealed, 'base64'));
    } catch {
      return null;
    }
  }

  set(key: string, value: string): void {
    this.memory.set(key, value);
    if (this.protector?.available()) {
      this.file.store = {
        ...this.file.store,
        [key]: this.protector.protect(value).toString('base64'),
      };
    }
  }

  delete(key: string): void {
    this.memory.delete(key);
    this.file.store = Object.fromEntries(
      Object.entries(this.file.store).filter(([k]) => k !== key),
    );
  }
}
