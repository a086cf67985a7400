/** What a snapshot holds in shop words: "1,204 members, 8,331 sales". */
import { useTranslation } from 'react-i18next';
import type { RunRecord } from '../../../main/ipc/contract.js';
import { formatNumber } from '../i18n.js';

type Summary = NonNullable<RunRecord['summary']>;

export function summaryText(
  t: (k: string, o?: Record<string, unknown>) => string,
  s: Summary,
): string {
  const parts: string[] = [];
  if (s.members !== null)
    parts.push(t('summary.members', { count: s.members, n: formatNumber(s.members) }));
  if (s.sales !== null)
    parts.push(t('summary.sales', { count: s.sales, n: formatNumber(s.sales) }));
  return parts.length ? parts.join(t('summary.separator')) : t('summary.none');
}

export function SavedSummary({ summary }: { summary: Summary }) {
  const { t } = useTranslation();
  return <span data-testid="saved-summary">{summaryText(t, summary)}</span>;
}
