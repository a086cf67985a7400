/**
 * What a backup changed since the one before it, in shop words: "38 fewer members",
 * "412 new sales", "3,503 rows changed in Products and stock".
 */
import type { TFunction } from 'i18next';
import type { ChangeView } from '../../../../main/ipc/contract.js';
import { formatNumber } from '../../i18n.js';

type Counted = 'members' | 'sales';

/** The summary's own count says it best ("38 fewer members"); the row counts say the rest. */
function countWords(t: TFunction, kind: Counted, delta: number): string {
  const n = formatNumber(Math.abs(delta));
  const key = delta > 0 ? (kind === 'sales' ? 'salesNew' : 'membersMore') : `${kind}Fewer`;
  return t(`restore.changes.${key}`, { count: Math.abs(delta), n });
}

export function changesInWords(t: TFunction, change: ChangeView): string[] {
  if (change.previousId === null) return [t('restore.changes.first')];
  const words: string[] = [];
  const counted = new Set<string>();
  for (const kind of ['members', 'sales'] as const) {
    const delta = change.delta[kind];
    if (delta !== null && delta !== 0) {
      words.push(countWords(t, kind, delta));
      counted.add(kind);
    }
  }
  for (const c of change.types) {
    const type = t(`types.${c.type}`);
    const rows = (key: 'added' | 'removed' | 'changed', count: number): void => {
      if (count > 0)
        words.push(t(`restore.changes.${key}`, { count, n: formatNumber(count), type }));
    };
    if (!counted.has(c.type)) {
      rows('added', c.added);
      rows('removed', c.removed);
    }
    rows('changed', c.changed);
  }
  return words.length ? words : [t('restore.changes.nothing')];
}
