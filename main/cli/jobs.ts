/**
 * The desktop app's backup plans, without the window: `tillvault schedule` and `tillvault run`
 * read the same settings file the app writes (`conf` reads what electron-store wrote) and run a
 * job through the same app core, so a server's cron or Task Scheduler and the app agree.
 */
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { createAppCore } from '../app/core.js';
import { headlessPlatform } from '../app/platform.js';
import type { Job } from '../app/settings.js';
import { TillvaultError } from '../engine/errors.js';
import type { Credential } from '../engine/repository/config.js';
import type { RunRecord, Schedule } from '../ipc/contract.js';

export function openJobs(configDir: string, onProgress?: (fraction: number) => void) {
  const file = (name: string): Conf<Record<string, unknown>> =>
    new Conf<Record<string, unknown>>({
      projectName: 'tillvault',
      cwd: configDir,
      configName: name,
    });
  const platform = headlessPlatform(configDir, path.join(os.homedir(), 'Documents'), [
    Intl.DateTimeFormat().resolvedOptions().locale,
  ]);
  const { core, handlers } = createAppCore({
    files: { settings: file('settings'), state: file('state'), secrets: file('secrets') },
    // The CLI never stores a passphrase: it comes from the environment or a file each time.
    protector: null,
    platform,
    events: {
      emit: (event, payload) => {
        if (event === 'backup:progress') onProgress?.((payload as { fraction: number }).fraction);
      },
    },
  });
  const find = (idOrName: string): Job => {
    const jobs = core.settings.read().jobs;
    const job = jobs.find((j) => j.id === idOrName) ?? jobs.find((j) => j.name === idOrName);
    if (!job) {
      const known = jobs.map((j) => `"${j.name}" (${j.id})`).join(', ') || 'none';
      throw new TillvaultError(
        'BAD_INPUT',
        `No backup plan "${idOrName}" in ${configDir}. Known: ${known}.`,
      );
    }
    return job;
  };
  return {
    jobs: () => core.settings.read().jobs,
    /**
     * Found backups become a plan of the app again, as the window's "Keep backing up here" does:
     * same repository, keys and history; other copies under `roots` re-attached.
     */
    async adopt(opts: {
      dest: string;
      database: string;
      name: string;
      credential: Credential;
      newPassphrase: string | null;
      roots: string[];
      schedule: Schedule;
    }): Promise<Job> {
      const { credential } = opts;
      if (credential.kind === 'none') {
        throw new TillvaultError(
          'PASSPHRASE_REQUIRED',
          'Give the passphrase (TILLVAULT_PASSPHRASE or --passphrase-file) or --recovery-key-file.',
        );
      }
      const dest = core.grants.grant(opts.dest);
      const roots = [dest, ...opts.roots.map((r) => core.grants.grant(r))];
      await handlers['recover:find']({ roots });
      const opened = await handlers['recover:unlock']({
        path: dest,
        secret: { kind: credential.kind, value: credential.value },
      });
      const { job } = await handlers['recover:adopt']({
        recoveryId: opened.recoveryId,
        database: core.grants.grant(opts.database),
        name: opts.name,
        passphrase: opts.newPassphrase,
        schedule: opts.schedule,
      });
      return core.settings.read().jobs.find((j) => j.id === job.id)!;
    },
    upcoming: (count: number) => core.scheduler.upcoming(count),
    async run(idOrName: string, credential: Credential): Promise<RunRecord> {
      const job = find(idOrName);
      if (credential.kind !== 'passphrase') {
        throw new TillvaultError(
          'BAD_INPUT',
          'A backup run needs the passphrase, not the recovery key.',
        );
      }
      core.secrets.set(job.id, credential.value);
      const record = await core.runner.start(job, 'scheduled').done;
      core.state.markDue(job.id, new Date(record.startedAt));
      return record;
    },
  };
}
