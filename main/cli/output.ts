/**
 * How the CLI speaks: one JSON document on stdout with --json, plain sentences otherwise;
 * progress always on stderr; errors as { error: { code, message } } with the contract's exit
 * codes (0 ok, 1 failed, 2 bad input, 3 damage found).
 */
import { isInputError, toTillvaultError } from '../engine/errors.js';

export const EXIT = { ok: 0, failed: 1, input: 2, damaged: 3 } as const;

export interface Out {
  readonly json: boolean;
  result(value: unknown, human: () => string): void;
  progress(label: string, done: number, total: number): void;
  warn(text: string): void;
}

export function makeOut(json: boolean, stdout = process.stdout, stderr = process.stderr): Out {
  let lastShown = '';
  return {
    json,
    result(value, human) {
      stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    progress(label, done, total) {
      const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
      const line = `${label} ${pct}%`;
      // Only print when the tenth changes, so logs of unattended runs stay short.
      const key = `${label} ${Math.floor(pct / 10)}`;
      if (key === lastShown && pct !== 100) return;
      lastShown = key;
      stderr.write(`${line}\n`);
    },
    warn(text) {
      stderr.write(`Warning: ${text}\n`);
    },
  };
}

export function reportError(out: Out, err: unknown, stderr = process.stderr): number {
  const e = toTillvaultError(err);
  if (out.json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code: e.code, message: e.message } }, null, 2)}\n`,
    );
  } else {
    stderr.write(`Error: ${e.message}\n`);
  }
  if (e.code === 'DAMAGED') return EXIT.damaged;
  return isInputError(e.code) ? EXIT.input : EXIT.failed;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
