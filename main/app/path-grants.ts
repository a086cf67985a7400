/**
 * Paths the window may name: only those main handed to it (a native dialog's answer, a listing,
 * a job's own places). A compromised renderer cannot make main read or write anywhere else.
 */
import path from 'node:path';
import { AppFailure } from '../ipc/errors.js';

export class PathGrants {
  private readonly granted = new Set<string>();

  grant(p: string): string {
    const resolved = path.resolve(p);
    this.granted.add(resolved);
    return resolved;
  }

  check(p: string): string {
    const resolved = path.resolve(p);
    if (resolved !== p || !this.granted.has(resolved)) {
      throw new AppFailure('PATH_NOT_GRANTED', 'Choose the file or folder again.');
    }
    return resolved;
  }
}
