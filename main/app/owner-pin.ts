/**
 * The owner's PIN as it is kept: only a slow salted hash (scrypt), so that the settings file,
 * copied off the till, does not give the PIN away in less than the time it takes to try all
 * 10^8 PINs at a tenth of a second each. And how long a wrong guess makes the next one wait.
 */
import crypto from 'node:crypto';
import { z } from 'zod';

export const pinHashSchema = z.object({
  salt: z.string(),
  hash: z.string(),
  /** scrypt's cost parameters, kept with the hash so they can grow later. */
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
});
export type PinHash = z.infer<typeof pinHashSchema>;

/** ~0.1 s and 32 MiB on the till: slow to guess offline, no wait for the owner. */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function scrypt(pin: string, salt: Buffer, cost: { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) =>
    crypto.scrypt(pin, salt, KEY_BYTES, { ...cost, maxmem: 128 * cost.N * cost.r * 2 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );
}

export async function hashPin(pin: string): Promise<PinHash> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(pin, salt, COST);
  return { salt: salt.toString('base64'), hash: key.toString('base64'), ...COST };
}

export async function pinMatches(stored: PinHash, pin: string): Promise<boolean> {
  const key = await scrypt(pin, Buffer.from(stored.salt, 'base64'), stored);
  const want = Buffer.from(stored.hash, 'base64');
  return key.length === want.length && crypto.timingSafeEqual(key, want);
}

/** Three tries free, then 30 s, doubling to at most 15 minutes per wrong PIN. */
export function waitAfterFailures(failures: number): number {
  if (failures < 3) return 0;
  return Math.min(30_000 * 2 ** (failures - 3), 15 * 60_000);
}
