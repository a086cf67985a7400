/**
 * What the browser-served window lets through. The host listens on 127.0.0.1, but any web page
 * the owner opens can send requests there: a `text/plain` POST needs no permission, and DNS
 * rebinding gives another site's page our address under its own name. So a request that acts
 * must come from our own page: the right `Host`, our `Origin` when the browser names one, the
 * secret only the served page was given, and a JSON body of a sane size.
 */
import crypto from 'node:crypto';
import type http from 'node:http';

/** Bodies larger than this are refused, never cut or ignored. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The header the page's bridge sends the secret in (an event stream sends it in the query). */
export const TOKEN_HEADER = 'x-tillvault-token';
/** The event stream, which takes the secret as `?token=` instead. */
export const EVENTS_PATH = '/__events';

export interface Refusal {
  readonly status: number;
  readonly message: string;
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The names this host answers to: a page under any other name came by DNS rebinding. */
export function ownHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

function sameSecret(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Any request: is it addressed to us by our own name? */
export function checkHost(req: http.IncomingMessage, port: number): Refusal | null {
  if (ownHosts(port).includes(req.headers.host ?? '')) return null;
  return { status: 403, message: 'This address is not the Tillvault window.' };
}

/**
 * A request that acts (IPC, the event stream, the test hooks): from our page, with its secret.
 * Browsers send `Origin` on every POST and `Sec-Fetch-Site` on everything, so a POST with
 * neither is no page's; other clients (the e2e fixtures) must name our origin.
 */
export function checkCaller(
  req: http.IncomingMessage,
  url: URL,
  port: number,
  token: string,
): Refusal | null {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const ownOrigin = origin !== undefined && ownHosts(port).some((h) => origin === `http://${h}`);
  if ((origin !== undefined && !ownOrigin) || (site !== undefined && site !== 'same-origin')) {
    return { status: 403, message: 'Requests from other sites are refused.' };
  }
  if (req.method === 'POST' && !ownOrigin && site !== 'same-origin') {
    return { status: 403, message: 'A request that changes something must name its origin.' };
  }
  // Only the event stream takes the secret in its address: EventSource cannot send headers.
  const header = req.headers[TOKEN_HEADER];
  const given =
    typeof header === 'string'
      ? header
      : req.method === 'GET' && url.pathname === EVENTS_PATH
        ? url.searchParams.get('token')
        : null;
  if (!sameSecret(given, token)) {
    return { status: 403, message: 'This request does not come from the Tillvault window.' };
  }
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, message: 'Requests must be JSON (content-type: application/json).' };
    }
  }
  return null;
}

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON body of a request; a body too large or not JSON is an error, never `{}`. */
export async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  // Read to the end, keeping nothing past the limit, so the refusal can still be answered.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) parts.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) {
    throw new BodyError(413, `The request is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch {
    throw new BodyError(400, 'The request is not valid JSON.');
  }
}

/** The same answer shape as every IPC call, so the page shows a refusal like any error. */
export function refusalBody(message: string): string {
  return JSON.stringify({ ok: false, error: { code: 'INVALID_REQUEST', message } });
}
