/** The screens of the side bar; screens name where a button leads by these. */
export type Screen =
  'home' | 'history' | 'audit' | 'restore' | 'settings' | 'setup' | 'recover' | 'recovery-plan';

/** A restore wizard opened at one backup (a History row, an undo). */
export interface RestoreStart {
  jobId: string;
  snapshotId: string;
}
