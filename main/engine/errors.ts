/**
 * The one place where failures become user-facing codes. Every front end (CLI, Electron main,
 * test host) shows `code` translated and `message` as the human detail; none of them parses
 * Node error strings on its own.
 */
export const ERROR_CODES = [
  'BAD_INPUT',
  'SOURCE_MISSING',
  'NOT_SQLITE',
  'SOURCE_UNREADABLE',
  /** The database was already damaged when it was copied (SQLite's own check says so). */
  'SOURCE_DAMAGED',
  'WRONG_PASSPHRASE',
  'PASSPHRASE_REQUIRED',
  'DEST_MISSING',
  'DEST_FULL',
  'DEST_READONLY',
  'DEST_FOREIGN',
  'NOT_A_REPOSITORY',
  'REPO_LOCKED',
  'SNAPSHOT_NOT_FOUND',
  'DAMAGED',
  'DB_IN_USE',
  'POLICY_EMPTY',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class TillvaultError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TillvaultError';
    this.code = code;
  }
}

/** What a file that is not SQLite may still be: a till's database encrypted by its POS. */
export const NOT_SQLITE =
  'It is not a SQLite database Tillvault can read (if your till program encrypts its database, with SQLCipher or similar, Tillvault cannot back that file up)';

/** Codes that mean "the input was wrong" rather than "the operation failed". */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set([
  'BAD_INPUT',
  'SOURCE_MISSING',
  'NOT_SQLITE',
  // A database that cannot be read is the owner's to act on (restore it, give access).
  'SOURCE_UNREADABLE',
  'WRONG_PASSPHRASE',
  'PASSPHRASE_REQUIRED',
  'NOT_A_REPOSITORY',
  'SNAPSHOT_NOT_FOUND',
  'POLICY_EMPTY',
  'DEST_FOREIGN',
]);

export function isInputError(code: ErrorCode): boolean {
  return INPUT_CODES.has(code);
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Turns anything thrown into a TillvaultError. `where` names the place (a destination or a
 * database) so that "disk full" says which disk. No path is taken from the system error itself:
 * the window sees these messages and must see only paths it was given.
 */
export function toTillvaultError(err: unknown, where?: string): TillvaultError {
  if (err instanceof TillvaultError) return err;
  const at = where ? ` (${where})` : '';
  const detail = err instanceof Error ? err.message : String(err);
  switch (errnoOf(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new TillvaultError('DEST_FULL', `Not enough free space${at}.`, { cause: err });
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new TillvaultError('DEST_READONLY', `Cannot write here: permission denied${at}.`, {
        cause: err,
      });
    // A file where a folder is needed is a path the user chose wrongly, like a folder with no
    // backups in it. Which part of the path is the file would need a look at the disk.
    case 'ENOTDIR':
      return new TillvaultError(
        'NOT_A_REPOSITORY',
        `${where ?? 'The place'} is not a folder (it is a file, or inside one).`,
        { cause: err },
      );
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
    case 'EIO':
      return new TillvaultError('DEST_MISSING', `The folder is missing or was disconnected${at}.`, {
        cause: err,
      });
    case 'SQLITE_FULL':
      return new TillvaultError('DEST_FULL', `Not enough free disk space${at}.`, { cause: err });
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new TillvaultError(
        'DB_IN_USE',
        `Another program is using the database${at}. Close the till (POS) program first, then try again.`,
        { cause: err },
      );
    case 'SQLITE_NOTADB':
      return new TillvaultError('NOT_SQLITE', `${NOT_SQLITE}${at}`, { cause: err });
    case 'SQLITE_CORRUPT':
      return new TillvaultError(
        'SOURCE_UNREADABLE',
        `The database is damaged so badly that it cannot be copied${at}: ${detail}. Restore it from a backup (tillvault restore … --into the database), then back up again.`,
        { cause: err },
      );
    default:
      return new TillvaultError('INTERNAL', `${detail}${at}`, { cause: err });
  }
}
