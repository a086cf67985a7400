/**
 * What the handlers and the places' actions share: the app's stores, the desktop around it, the
 * runner and the scheduler. Its own module so that those two need not import each other.
 */
import type { CloudFolder } from '../engine/places/cloud-folders.js';
import type { Actor } from '../engine/repository/audit.js';
import type { ListDrives } from '../engine/places/drives.js';
import type { Scheduler } from '../engine/schedule/scheduler.js';
import type { PathGrants } from './path-grants.js';
import type { AppEvents, Platform } from './platform.js';
import type { OwnerLock } from './owner-lock.js';
import type { CheckRecord, RunState } from './run-state.js';
import type { Runner } from './runner.js';
import type { ProtectedSecretStore } from './secrets.js';
import type { Job, SettingsStore } from './settings.js';

export interface AppCore {
  readonly settings: SettingsStore;
  readonly state: RunState;
  readonly secrets: ProtectedSecretStore;
  readonly platform: Platform;
  readonly events: AppEvents;
  readonly grants: PathGrants;
  readonly runner: Runner;
  readonly scheduler: Scheduler;
  readonly drives: ListDrives;
  readonly cloudFolders: () => Promise<CloudFolder[]>;
  /** The clock for status and alerts (a fake one in tests). */
  now(): Date;
  /** Whether the owner unlocked the window with the PIN; main's guard of the owner's channels. */
  readonly owner: OwnerLock;
  /** The weekly check of a plan, now: recorded, notified when damage is found. */
  checkNow(job: Job, actor: Actor): Promise<CheckRecord | null>;
}
