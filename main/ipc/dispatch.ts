/**
 * Answers one request from the window: checks the channel and the payload against the contract,
 * runs the handler, checks the answer, and wraps the outcome in an envelope. Electron's ipcMain
 * and the test host both call this, so both front ends validate the same way.
 */
import { z } from 'zod';
import {
  CHANNELS,
  OWNER_CHANNELS,
  isChannel,
  type Channel,
  type Envelope,
  type Request,
} from './contract.js';
import { AppFailure, toIpcError } from './errors.js';

type AnyHandlers = { [C in Channel]: (request: Request<C>) => Promise<unknown> };

/** Main's guard of the owner's channels (the app's OwnerLock). */
export interface OwnerGuard {
  require(): void;
}

export async function dispatch(
  handlers: AnyHandlers,
  owner: OwnerGuard,
  channel: unknown,
  payload: unknown,
): Promise<Envelope<unknown>> {
  try {
    if (!isChannel(channel)) throw new AppFailure('INVALID_REQUEST', 'Unknown request.');
    // Before the payload is even read: a locked window learns nothing from a guarded channel.
    if (OWNER_CHANNELS.has(channel)) owner.require();
    const spec = CHANNELS[channel];
    const parsed = spec.request.safeParse(payload ?? {});
    if (!parsed.success) {
      throw new AppFailure('INVALID_REQUEST', `Invalid request: ${z.prettifyError(parsed.error)}`);
    }
    const handler = handlers[channel] as (r: unknown) => Promise<unknown>;
    const value = spec.response.parse(await handler(parsed.data));
    return { ok: true, value };
  } catch (err) {
    const error = toIpcError(err);
    if (error.code === 'INTERNAL') console.error(`[tillvault] ${String(channel)} failed:`, err);
    return { ok: false, error };
  }
}
