/**
 * How the CLI speaks: one JSON document on stdout with --json, plain sentences otherwise;
 * progress always on stderr; errors as { error: { code, message } } with the contract's exit
 * codes (0 ok, 1 failed, 2 bad input, 3 damage found).
 */
import type { CommanderError } from 'commander';
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

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function reportError(out: Out, err: unknown, stderr = process.stderr): number {
  const e = toTillvaultError(err);
  if (out.json) printJson({ error: { code: e.code, message: e.message } });
  else stderr.write(`Error: ${e.message}\n`);
  if (e.code === 'DAMAGED' || e.code === 'SOURCE_DAMAGED') return EXIT.damaged;
  return isInputError(e.code) ? EXIT.input : EXIT.failed;
}

/**
 * Where commander's own text goes. Without --json it is printed as commander writes it; with
 * --json it is held back, so that `reportParseExit` can print it as the one JSON document.
 */
export interface ParserOutput {
  readonly writeOut: (s: string) => void;
  readonly writeErr: (s: string) => void;
  readonly outputError: (s: string, write: (s: string) => void) => void;
  readonly held: () => string;
}

export function parserOutput(json: boolean): ParserOutput {
  if (!json) {
    return {
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(s),
      held: () => '',
    };
  }
  let text = '';
  const hold = (s: string): void => {
    text += s;
  };
  return { writeOut: hold, writeErr: hold, outputError: () => undefined, held: () => text };
}

/** Help or the version was asked for, rather than given because the command line was wrong. */
function askedFor(err: CommanderError): boolean {
  return (
    err.code === 'commander.helpDisplayed' ||
    err.code === 'commander.version' ||
    (err.code === 'commander.help' && err.exitCode === 0)
  );
}

/** Commander's "error: unknown option '--x'" as a sentence of our own. */
function usageMessage(err: CommanderError): string {
  // Without a command commander prints the help on stderr; its message is a placeholder.
  if (err.code === 'commander.help') return 'No command given (see tillvault --help).';
  const text = err.message.replace(/^error:\s*/, '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/**
 * Commander stopped the run: help or the version was asked for (exit 0), or the command line
 * was wrong (exit 2, BAD_USAGE). Without --json commander has already printed its text.
 */
export function reportParseExit(
  json: boolean,
  err: CommanderError,
  output: ParserOutput,
  version: string,
): number {
  const asked = askedFor(err);
  if (json) {
    if (err.code === 'commander.version') printJson({ version });
    else if (asked) printJson({ help: output.held() });
    else printJson({ error: { code: 'BAD_USAGE', message: usageMessage(err) } });
  }
  return asked ? EXIT.ok : EXIT.input;
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
