/**
 * Job passphrases. On disk only when the OS really protects them (Electron's safeStorage with
 * the keychain, DPAPI or the Secret Service); otherwise they live in memory for this session and
 * the owner is asked again after a restart. Never logged, never in the settings file.
 */
import type { DocumentFile } from './settings.js';

export interface SecretStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/**
 * How the OS would protect a stored passphrase: by its keychain; by Chromium's Linux fallback
 * (`basic_text`: a password fixed in Chromium's source, so anyone who reads the file reads the
 * passphrase); or not at all.
 */
export type Protection = 'os' | 'basic_text' | 'none';

/** The OS's encryption, as Electron's safeStorage offers it (its asynchronous calls). */
export interface Protector {
  protection(): Promise<Protection>;
  protect(plain: string): Promise<Buffer>;
  /** `reseal`: the OS has a newer key and asks for the text to be sealed again with it. */
  unprotect(sealed: Buffer): Promise<{ plain: string; reseal: boolean }>;
}

export class ProtectedSecretStore implements SecretStore {
  private readonly memory = new Map<string, string>();
  private kind: Protection = 'none';
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: DocumentFile,
    private readonly protector: Protector | null,
  ) {}

  /**
   * Asks the OS what it offers and opens what was stored: before the first `get`. Passphrases
   * that the fixed-password fallback opens leave the file (they stay in memory for now); ones it
   * cannot open were sealed by a keychain missing this session and stay for when it is back.
   */
  async load(): Promise<void> {
    this.kind = this.protector ? await this.protector.protection() : 'none';
    const protector = this.protector;
    if (!protector || this.kind === 'none') return;
    const opened = new Set<string>();
    for (const [key, sealed] of Object.entries(this.file.store)) {
      if (typeof sealed !== 'string') continue;
      const open = await protector.unprotect(Buffer.from(sealed, 'base64')).catch(() => null);
      if (!open) continue;
      opened.add(key);
      // A passphrase set while this ran is newer than the stored one.
      if (this.memory.has(key)) continue;
      this.memory.set(key, open.plain);
      if (open.reseal) this.set(key, open.plain);
    }
    if (this.kind === 'basic_text') {
      this.file.store = Object.fromEntries(
        Object.entries(this.file.store).filter(([k]) => !opened.has(k)),
      );
    }
  }

  /** How passphrases are kept on this computer now, for the owner to be told. */
  get protection(): Protection {
    return this.kind;
  }

  get(key: string): string | null {
    return this.memory.get(key) ?? null;
  }

  set(key: string, value: string): void {
    this.memory.set(key, value);
    if (this.kind !== 'os' || !this.protector) return;
    const protector = this.protector;
    // In order, so a later passphrase is never overwritten by an earlier one's late seal.
    this.writes = this.writes.then(async () => {
      const sealed = await protector.protect(value).catch(() => null);
      if (sealed && this.memory.get(key) === value) {
        this.file.store = { ...this.file.store, [key]: sealed.toString('base64') };
      }
    });
  }

  /** Resolves once every passphrase set so far is on disk (where it goes to disk at all). */
  flushed(): Promise<void> {
    return this.writes;
  }

  delete(key: string): void {
    // A seal still under way finds the key gone from memory and writes nothing.
    this.memory.delete(key);
    this.file.store = Object.fromEntries(
      Object.entries(this.file.store).filter(([k]) => k !== key),
    );
  }
}
