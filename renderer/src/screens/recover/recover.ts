/** What the new-computer wizard carries from step to step, named by the contract's answers. */
import type { Response } from '../../../../main/ipc/contract.js';

export type Found = Response<'recover:find'>['found'][number];
export type Unlocked = Response<'recover:unlock'>;
export type Restored = Response<'recover:restore'>;
export type Adopted = Response<'recover:adopt'>['job'];
export type SecretKind = 'passphrase' | 'recovery-key';
/** How the backups were opened: `none` when they are not encrypted. */
export type OpenedWith = SecretKind | 'none';

export const STEPS = ['find', 'unlock', 'putBack', 'keep', 'done'] as const;
export type StepId = (typeof STEPS)[number];

/** The last search: what it found and, when the owner picked one, the folder looked in. */
export interface Search {
  found: Found[];
  folder: string | null;
}
