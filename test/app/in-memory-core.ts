/**
 * An app core as the tests use it: documents in memory, no keychain, no drives, and the
 * notifications it shows collected in `notified`.
 */
import path from 'node:path';
import { createAppCore, type AppCoreHandle } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';

export function inMemoryCore(dir: string): AppCoreHandle & {
  notified: { title: string; body: string }[];
} {
  const notified: { title: string; body: string }[] = [];
  const platform = {
    ...headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents')),
    notify: (text: { title: string; body: string }) => void notified.push(text),
  };
  const handle = createAppCore({
    files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform,
    events: { emit: () => undefined },
    drives: async () => [],
  });
  return { ...handle, notified };
}
