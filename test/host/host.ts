/**
 * The test host: the same app core and IPC handlers as Electron's main process, over the real
 * engine, answering a browser on 127.0.0.1. It serves the built renderer with a small shim that
 * plays preload's part (`window.tillvault` over fetch and server-sent events). Only the desktop
 * itself is scripted: native dialogs answer what the test asks them to, notifications are
 * recorded, and the computer has nothing to keep awake.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import Conf from 'conf';
import { createAppCore } from '../../main/app/core.js';
import { ensureDemoJob } from '../../main/app/demo-job.js';
import type { Platform } from '../../main/app/platform.js';
import { freeBytesAt } from '../../main/app/space.js';
import { listSystemDrives, type Drive } from '../../main/engine/places/drives.js';
import type { EventName, EventPayload } from '../../main/ipc/contract.js';
import { dispatch } from '../../main/ipc/dispatch.js';
import {
  BodyError,
  EVENTS_PATH,
  TOKEN_HEADER,
  checkCaller,
  checkHost,
  newToken,
  readJsonBody,
  refusalBody,
} from './guard.js';

export interface HostOptions {
  readonly dataDir: string;
  readonly documentsDir: string;
  readonly rendererDir: string;
  readonly port?: number;
  readonly languages?: string[];
  readonly demoShop?: boolean;
  /**
   * The e2e tests' hand on the desktop (`/__test/…`: dialog answers, drives, the clock). Never
   * for `npm run host`: whoever holds the secret could answer its file dialogs.
   */
  readonly testHooks?: boolean;
}

export interface Host {
  readonly url: string;
  /** The per-start secret the served page holds; for the e2e tests' hooks. */
  readonly token: string;
  close(): Promise<void>;
}

// The shim holds no secret: a page of another site may load it as a script. The secret is in
// the served index.html, which no other site can read. The event stream gets it in its query,
// not in a cookie: cookies ignore ports, so every other server on 127.0.0.1 or localhost is
// "same site" and its pages would send a SameSite=Strict cookie too.
const SHIM = `(() => {
  const token = document.querySelector('meta[name="tillvault-token"]').content;
  const listeners = new Map();
  const events = new EventSource('${EVENTS_PATH}?token=' + encodeURIComponent(token));
  events.onmessage = (m) => {
    const { event, payload } = JSON.parse(m.data);
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  window.tillvault = {
    invoke: (channel, request) =>
      fetch('/__ipc/' + encodeURIComponent(channel), {
        method: 'POST',
        headers: { 'content-type': 'application/json', '${TOKEN_HEADER}': token },
        body: JSON.stringify(request ?? {}),
      }).then((r) => r.json()),
    on: (event, listener) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return () => listeners.get(event).delete(listener);
    },
  };
})();`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * On every answer: the window's own policy (as renderer/index.html has it) and no sniffing,
 * referrers or embedding by other sites. No CORS header is ever sent, so other sites' pages
 * cannot read any answer.
 */
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

export async function startHost(opts: HostOptions): Promise<Host> {
  const dialogAnswers: (string | null)[] = [];
  // What cannot exist on a test machine: USB sticks (a scripted drive list), a nearly full disk.
  let drives: Drive[] | null = null;
  let freeOverrides: Record<string, number> = {};
  // The clock, moved forward by the test to see what days without a backup look like.
  let clockOffsetMs = 0;
  const ejected: string[] = [];
  const notifications: { title: string; body: string }[] = [];
  const shown: string[] = [];
  const streams = new Set<http.ServerResponse>();
  let awake = 0;

  const send = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    const line = `data: ${JSON.stringify({ event, payload })}\n\n`;
    for (const s of streams) s.write(line);
  };
  const languages = opts.languages ?? ['en-US'];
  const platform: Platform = {
    pickDatabase: async () => dialogAnswers.shift() ?? null,
    pickFolder: async () => dialogAnswers.shift() ?? null,
    pickSaveFile: async () => dialogAnswers.shift() ?? null,
    showInFolder: (file) => void shown.push(file),
    keepAwake: () => {
      awake += 1;
      return () => {
        awake -= 1;
      };
    },
    notify: (text) => void notifications.push(text),
    setStartAtLogin: () => undefined,
    preferredLanguages: () => languages,
    dataDir: opts.dataDir,
    documentsDir: opts.documentsDir,
  };
  const file = (name: string): Conf<Record<string, unknown>> =>
    new Conf<Record<string, unknown>>({
      projectName: 'tillvault',
      cwd: opts.dataDir,
      configName: name,
    });
  const { core, handlers, checkAlerts } = createAppCore({
    files: { settings: file('settings'), state: file('state'), secrets: file('secrets') },
    // No OS keychain here: passphrases stay in memory, as in the app when none is available.
    protector: null,
    platform,
    events: { emit: send },
    drives: async () => drives ?? listSystemDrives(),
    freeSpace: async (dir) => {
      const inside = Object.keys(freeOverrides)
        .filter((p) => dir === p || dir.startsWith(p + path.sep))
        .sort((a, b) => b.length - a.length)[0];
      return inside !== undefined ? freeOverrides[inside]! : freeBytesAt(dir);
    },
    eject: async (drive) => {
      ejected.push(drive.label);
      return { ok: true };
    },
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  await core.secrets.load();
  if (opts.demoShop) await ensureDemoJob(core);
  await core.scheduler.start();

  const renderer = path.resolve(opts.rendererDir);
  const token = newToken();
  let port = 0;
  let closing = false;
  const refuse = (res: http.ServerResponse, status: number, message: string): void =>
    void res
      .writeHead(status, { ...HEADERS, 'content-type': TYPES['.json'] })
      .end(refusalBody(message));
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const wrongHost = checkHost(req, port);
      if (wrongHost) return refuse(res, wrongHost.status, wrongHost.message);
      const acts =
        url.pathname.startsWith('/__ipc/') ||
        url.pathname === EVENTS_PATH ||
        url.pathname.startsWith('/__test/');
      if (acts) {
        const refused = checkCaller(req, url, port, token);
        if (refused) return refuse(res, refused.status, refused.message);
      }
      if (url.pathname.startsWith('/__test/') && !opts.testHooks) {
        return refuse(res, 404, 'Not found.');
      }
      if (req.method === 'POST' && url.pathname.startsWith('/__ipc/')) {
        const channel = decodeURIComponent(url.pathname.slice('/__ipc/'.length));
        const body = await readJsonBody(req);
        const envelope = await dispatch(handlers, core.owner, channel, body);
        res
          .writeHead(200, { ...HEADERS, 'content-type': TYPES['.json'] })
          .end(JSON.stringify(envelope));
        return;
      }
      if (url.pathname === EVENTS_PATH) {
        // Closing: a reconnecting event stream would keep the server open for ever.
        if (closing) {
          res.writeHead(503, HEADERS).end();
          return;
        }
        res.writeHead(200, {
          ...HEADERS,
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      // The test's hand on the desktop: what the next native dialog answers, what was notified.
      if (req.method === 'POST' && url.pathname === '/__test/dialog') {
        const { answer } = (await readJsonBody(req)) as { answer: string | null };
        dialogAnswers.push(answer);
        res.writeHead(204, HEADERS).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/__test/desktop') {
        const desk = (await readJsonBody(req)) as {
          drives?: Drive[];
          free?: Record<string, number>;
          clockOffsetMs?: number;
          forgetPassphrases?: boolean;
        };
        if (desk.drives) drives = desk.drives;
        // What a restart does on a computer without a keychain: passphrases were in memory only.
        if (desk.forgetPassphrases) {
          for (const job of core.settings.read().jobs) core.secrets.delete(job.id);
        }
        if (desk.free) freeOverrides = desk.free;
        if (desk.clockOffsetMs !== undefined) {
          clockOffsetMs = desk.clockOffsetMs;
          // What Electron's main does every half hour: alerts no run reports by itself.
          checkAlerts();
        }
        res.writeHead(204, HEADERS).end();
        return;
      }
      if (url.pathname === '/__test/state') {
        res
          .writeHead(200, { ...HEADERS, 'content-type': TYPES['.json'] })
          .end(JSON.stringify({ notifications, awake, ejected, shown }));
        return;
      }
      if (url.pathname === '/__shim.js') {
        res.writeHead(200, { ...HEADERS, 'content-type': TYPES['.js']! }).end(SHIM);
        return;
      }
      const rel = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      const target = path.resolve(renderer, rel);
      if (!target.startsWith(renderer + path.sep)) {
        res.writeHead(404, HEADERS).end();
        return;
      }
      let body = await fs.readFile(target).catch(() => null);
      if (!body) {
        res.writeHead(404, HEADERS).end();
        return;
      }
      const page = rel === 'index.html';
      if (page) {
        const head = `<head><meta name="tillvault-token" content="${token}"><script src="/__shim.js"></script>`;
        body = Buffer.from(body.toString('utf8').replace('<head>', head));
      }
      res
        .writeHead(200, {
          ...HEADERS,
          'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream',
          // The page holds this start's secret: never kept on disk, never reused after a restart.
          ...(page ? { 'cache-control': 'no-store' } : {}),
        })
        .end(body);
    })().catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof BodyError) refuse(res, err.status, err.message);
      else refuse(res, 500, 'The request failed.');
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    close: async () => {
      closing = true;
      core.scheduler.stop();
      for (const s of streams) s.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The page is still open: its keep-alive connections would hold the server open.
      server.closeAllConnections();
      await closed;
    },
  };
}
