/**
 * Fires scheduled backups: node-schedule arms one timer per job from its cron expression; at
 * start and after the computer wakes, a job that missed its time gets one catch-up run (never a
 * burst); a run that falls due while the same job is still running is queued once. The clock
 * and the timers can be replaced, so all of this is tested without waiting.
 */
import nodeSchedule from 'node-schedule';
import { cronOf, missedRun, nextRuns } from './schedule.js';
import type { Schedule } from './spec.js';

export interface ScheduledJob {
  readonly id: string;
  readonly schedule: Schedule;
  readonly createdAt: string;
}

/** What the scheduler remembers on disk, so catch-up survives restarts. */
export interface ScheduleMemory {
  /** The later of the last due time handled and the last run's start; null if never. */
  since(jobId: string): Date | null;
  markDue(jobId: string, at: Date): void;
}

export interface Timers {
  arm(cron: string, timeZone: string | undefined, fire: (at: Date) => void): { cancel(): void };
}

/** node-schedule's timers: they survive long sleeps and follow the time zone's DST. */
export const nodeScheduleTimers: Timers = {
  arm(cron, timeZone, fire) {
    const job = nodeSchedule.scheduleJob(
      { rule: cron, ...(timeZone ? { tz: timeZone } : {}) },
      (at) => fire(at instanceof Date ? at : new Date()),
    );
    return { cancel: () => void job?.cancel() };
  },
};

export interface SchedulerOptions {
  readonly jobs: () => readonly ScheduledJob[];
  readonly memory: ScheduleMemory;
  /** Runs one scheduled backup of the job (with retention and a quick check) to the end. */
  readonly run: (jobId: string) => Promise<void>;
  readonly timeZone?: string;
  readonly now?: () => Date;
  readonly timers?: Timers;
}

export class Scheduler {
  private armed: { cancel(): void }[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly queued = new Set<string>();
  private started = false;

  constructor(private readonly opts: SchedulerOptions) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Arms every job's timer and runs what was missed. Call again after the jobs change. */
  start(): Promise<void> {
    this.stop();
    this.started = true;
    const timers = this.opts.timers ?? nodeScheduleTimers;
    for (const job of this.opts.jobs()) {
      const cron = cronOf(job.schedule);
      if (cron)
        this.armed.push(timers.arm(cron, this.opts.timeZone, (at) => void this.due(job.id, at)));
    }
    return this.catchUp();
  }

  stop(): void {
    for (const a of this.armed) a.cancel();
    this.armed = [];
  }

  /** After the plans changed: re-arm, if the front end started the scheduler at all. */
  reload(): Promise<void> {
    return this.started ? this.start() : Promise.resolve();
  }

  /** At start and on wake: one run for each job whose time passed while nothing ran it. */
  async catchUp(): Promise<void> {
    const now = this.now();
    await Promise.all(
      this.opts.jobs().map((job) => {
        const created = new Date(job.createdAt);
        const remembered = this.opts.memory.since(job.id);
        const since = remembered && remembered > created ? remembered : created;
        const missed = missedRun(job.schedule, since, now, this.opts.timeZone);
        return missed ? this.due(job.id, missed) : Promise.resolve();
      }),
    );
  }

  /** A job's time came (or was missed). A job already running gets one more run afterwards. */
  due(jobId: string, at: Date): Promise<void> {
    this.opts.memory.markDue(jobId, at);
    const current = this.running.get(jobId);
    if (current) {
      this.queued.add(jobId);
      return current;
    }
    const run = (async () => {
      try {
        do {
          this.queued.delete(jobId);
          await this.opts.run(jobId).catch(() => undefined);
        } while (this.queued.has(jobId));
      } finally {
        this.running.delete(jobId);
      }
    })();
    this.running.set(jobId, run);
    return run;
  }

  /** The next runs of every job, soonest first. */
  upcoming(count = 5): { jobId: string; at: Date }[] {
    const from = this.now();
    return this.opts
      .jobs()
      .flatMap((j) =>
        nextRuns(j.schedule, from, count, this.opts.timeZone).map((at) => ({ jobId: j.id, at })),
      )
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .slice(0, count);
  }
}
