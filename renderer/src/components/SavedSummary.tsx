/**
 * What a snapshot holds in shop words: "1,204 members, 8,331 sales"; and, when a backup is
 * unlike the one before it (a mass delete, a bulk price change), what changed and a way back.
 */
import { Alert, Button, List, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconArrowBackUp } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { ChangeFindingView, RunRecord } from '../../../main/ipc/contract.js';
import { isolate } from '../bidi.js';
import { formatDateTime, formatNumber } from '../i18n.js';
import type { RestoreStart } from '../navigation.js';

type Summary = NonNullable<RunRecord['summary']>;
type T = (k: string, o?: Record<string, unknown>) => string;

export function summaryText(t: T, s: Summary): string {
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

/** One thing found, as a sentence (notifications say the same: main/app/notifier.ts). */
export function changeText(t: T, f: ChangeFindingView): string {
  switch (f.kind) {
    case 'unreadable':
      return t('change.unreadable');
    case 'members':
    case 'products':
      return t(`change.${f.kind}`, { count: f.before - f.now, n: formatNumber(f.before - f.now) });
    case 'prices':
      return t(f.exact ? 'change.prices' : 'change.pricesAbout', {
        count: f.changed,
        n: formatNumber(f.changed),
      });
    case 'emptied':
      return t('change.emptied', {
        table: isolate(f.table),
        count: f.rowsBefore,
        n: formatNumber(f.rowsBefore),
      });
    case 'rows':
      return t('change.rows', { now: formatNumber(f.now), before: formatNumber(f.before) });
  }
}

/**
 * The amber part of a result whose backup is unlike the one before it: each thing found, that
 * the backup before is kept, and the restore wizard opened at it.
 */
export function ChangeWarning({
  run,
  onRestore,
}: {
  run: RunRecord;
  onRestore: (start: RestoreStart) => void;
}) {
  const { t } = useTranslation();
  const change = run.change;
  if (!change) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconAlertTriangle />}
      title={t('change.title')}
      data-testid="run-change"
    >
      <Stack gap="xs">
        <List spacing={2} size="sm">
          {change.findings.map((f) => (
            <List.Item key={JSON.stringify(f)} data-testid={`change-${f.kind}`}>
              {changeText(t, f)}
            </List.Item>
          ))}
        </List>
        <Text size="sm">{t('change.kept', { when: formatDateTime(change.before.time) })}</Text>
        <Button
          variant="light"
          color="yellow"
          w="fit-content"
          leftSection={<IconArrowBackUp size={18} />}
          onClick={() => onRestore({ jobId: run.jobId, snapshotId: change.before.snapshotId })}
          data-testid="change-restore"
        >
          {t('change.restore')}
        </Button>
      </Stack>
    </Alert>
  );
}
