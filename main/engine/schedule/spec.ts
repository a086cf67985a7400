/**
 * What a schedule is, as the owner chose it: a preset and its few settings. Browser-safe (zod
 * only): the window, the settings file and the engine share this one declaration.
 */
import { z } from 'zod';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export const scheduleSchema = z.discriminatedUnion('preset', [
  z.object({ preset: z.literal('manual') }),
  z.object({ preset: z.literal('nightly'), time: clock }),
  z.object({ preset: z.literal('five-a-day') }),
  z.object({
    preset: z.literal('opening-hours'),
    everyHours: z.number().int().min(1).max(12),
    opens: clock,
    closes: clock,
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
  }),
  z.object({ preset: z.literal('custom'), cron: z.string().min(9).max(120) }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

/** The hours of "five times a day" (a well-known e-commerce platform's choice). */
export const FIVE_A_DAY_HOURS = [2, 8, 12, 18, 22] as const;
