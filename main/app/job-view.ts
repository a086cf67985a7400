/** A plan as the window sees it (handlers, Home's status): what the settings leave out, said. */
import type { JobView } from '../ipc/contract.js';
import { changeThresholds, type Job } from './settings.js';

export function jobView(job: Job): JobView {
  return {
    ...job,
    destinations: job.destinations.map((d) => ({ ...d })),
    encrypted: job.encrypted !== false,
    changeAlarm: changeThresholds(job),
  };
}
