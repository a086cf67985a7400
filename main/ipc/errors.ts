/**
 * The one place where anything thrown while answering the window becomes what the window may
 * see: a code it translates and a plain message. Never a stack trace or a path it was not given.
 */
import { toTillvaultError } from '../engine/errors.js';
import type { IpcError } from './contract.js';

type AppCode = 'INVALID_REQUEST' | 'PATH_NOT_GRANTED' | 'NOT_FOUND' | 'BUSY' | 'OWNER_LOCKED';

/** A refusal by the app itself (not the engine): bad request, unknown job, busy. */
export class AppFailure extends Error {
  constructor(
    readonly code: AppCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppFailure';
  }
}

export function toIpcError(err: unknown): IpcError {
  if (err instanceof AppFailure) return { code: err.code, message: err.message };
  const e = toTillvaultError(err);
  // INTERNAL carries a Node message that may name files and functions: keep it out of the window.
  if (e.code === 'INTERNAL')
    return { code: 'INTERNAL', message: 'Something went wrong inside Tillvault.' };
  return { code: e.code, message: e.message };
}
