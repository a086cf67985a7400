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

export interface HostOptions {
  readonly dataDir: string;
  readonly documentsDir: string;
  readonly rendererDir: string;
  readonly port?: number;
  readonly languages?: string[];
  readonly demoShop?: boolean;
}

export interface Host {
  readonly url: string;
  close(): Promise<void>;
}

const SHIM = `(() => {
  const listeners = new Map();
  const events = new EventSource('/__events');
  events.onmessage = (m) => {
    const { event, payload } = JSON.parse(m.data);
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  window.tillvault = {
    invoke: (channel, request) =>
      fetch('/__ipc/' + encodeURIComponent(channel), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
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
};

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('request too large');
    parts.push(chunk as Buffer);
  }
  const text = Buffer.concat(parts).toString('utf8');
  return text ? JSON.parse(text) : {};
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const dialogAnswers: (string | null)[] = [];
  // What cannot exist on a test machine: USB sticks (a scripted drive list), a nearly full disk.
  let drives: Drive[] | null = null;
  let freeOverrides: Record<string, number> = {};
  // The clock, moved forward by the test to see what days without a backup look like.
  let clockOffsetMs = 0;
  const ejected: string[] = [];
  const notifications: { title: string; body: string }[] = [];
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
  if (opts.demoShop) await ensureDemoJob(core);
  await core.scheduler.start();

  const renderer = path.resolve(opts.rendererDir);
  let closing = false;
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname.startsWith('/__ipc/')) {
        const channel = decodeURIComponent(url.pathname.slice('/__ipc/'.length));
        const body = await readBody(req).catch(() => undefined);
        const envelope = await dispatch(handlers, channel, body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(envelope));
        return;
      }
      if (url.pathname === '/__events') {
        // Closing: a reconnecting event stream would keep the server open for ever.
        if (closing) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, {
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
        const { answer } = (await readBody(req)) as { answer: string | null };
        dialogAnswers.push(answer);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/__test/desktop') {
        const desk = (await readBody(req)) as {
          drives?: Drive[];
          free?: Record<string, number>;
          clockOffsetMs?: number;
        };
        if (desk.drives) drives = desk.drives;
        if (desk.free) freeOverrides = desk.free;
        if (desk.clockOffsetMs !== undefined) {
          clockOffsetMs = desk.clockOffsetMs;
          // What Electron's main does every half hour: alerts no run reports by itself.
          checkAlerts();
        }
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/__test/state') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ notifications, awake, ejected }));
        return;
      }
      if (url.pathname === '/__shim.js') {
        res.writeHead(200, { 'content-type': TYPES['.js']! }).end(SHIM);
        return;
      }
      const rel = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      const target = path.resolve(renderer, rel);
      if (!target.startsWith(renderer + path.sep)) {
        res.writeHead(404).end();
        return;
      }
      let body = await fs.readFile(target).catch(() => null);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      if (rel === 'index.html') {
        body = Buffer.from(
          body.toString('utf8').replace('<head>', '<head><script src="/__shim.js"></script>'),
        );
      }
      res
        .writeHead(200, {
          'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream',
        })
        .end(body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
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
