/** One record then and now, field by field (changed fields marked), and in every backup. */
import { Badge, Card, CloseButton, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RecordValues } from '../../../../main/ipc/contract.js';
import { call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useLoad } from '../../hooks.js';
import { formatDateTime } from '../../i18n.js';

/** How many columns the history shows: the ones that changed, the owner's "balance". */
const HISTORY_COLUMNS = 4;

const show = (v: RecordValues[string] | undefined): string =>
  v === null || v === undefined ? '—' : String(v);

export function RecordDetail({
  sessionId,
  table,
  recordKey,
  onClose,
}: {
  sessionId: string;
  table: string;
  recordKey: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const record = useLoad(() => call('restore:record', { sessionId, table, key: recordKey }));
  const r = record.data;
  const title = (
    <Group justify="space-between">
      <Title order={4}>
        {t('restore.records.detail')}{' '}
        <Text span dir="ltr" c="dimmed">
          {table} {recordKey}
        </Text>
      </Title>
      <CloseButton aria-label={t('restore.records.close')} onClick={onClose} />
    </Group>
  );
  if (record.error || !r) {
    return (
      <Card withBorder>
        {title}
        {record.error ? (
          <ErrorNote code={record.error.code} message={record.error.message} />
        ) : (
          <Loader size="sm" />
        )}
      </Card>
    );
  }
  const differs = (c: string): boolean => show(r.then?.[c]) !== show(r.now?.[c]);
  const fields = r.columns.filter((c) => c !== r.keyColumn);
  // A backup without the record says so in its own row; the columns are the ones that moved.
  const present = r.history.flatMap((h) => (h.values ? [h.values] : []));
  const varying = fields.filter((c) => new Set(present.map((v) => show(v[c]))).size > 1);
  const historyColumns = (varying.length ? varying : fields).slice(0, HISTORY_COLUMNS);
  return (
    <Card withBorder data-testid="record-detail">
      <Stack>
        {title}
        {r.now === null && (
          <Badge color="orange" variant="light" data-testid="record-gone-now">
            {t('restore.records.goneNow')}
          </Badge>
        )}
        {r.then === null && (
          <Badge color="gray" variant="light">
            {t('restore.records.notThen')}
          </Badge>
        )}
        <Table withTableBorder data-testid="record-fields">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('restore.records.field')}</Table.Th>
              <Table.Th>{t('restore.records.then')}</Table.Th>
              <Table.Th>{t('restore.records.now')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {r.columns.map((c) => (
              <Table.Tr
                key={c}
                bg={differs(c) ? 'yellow.1' : undefined}
                data-changed={differs(c) || undefined}
              >
                <Table.Td dir="ltr">{c}</Table.Td>
                <Table.Td>
                  <bdi>{show(r.then?.[c])}</bdi>
                </Table.Td>
                <Table.Td fw={differs(c) ? 700 : undefined}>
                  <bdi>{show(r.now?.[c])}</bdi>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {r.history.length > 0 && (
          <>
            <Text fw={600}>{t('restore.records.history')}</Text>
            <Table withTableBorder data-testid="record-history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('restore.records.backup')}</Table.Th>
                  {historyColumns.map((c) => (
                    <Table.Th key={c} dir="ltr">
                      {c}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.history.map((h) => (
                  <Table.Tr key={h.snapshotId}>
                    <Table.Td>{formatDateTime(h.time)}</Table.Td>
                    {h.values === null ? (
                      <Table.Td colSpan={historyColumns.length} c="dimmed">
                        {t('restore.records.notInBackup')}
                      </Table.Td>
                    ) : (
                      historyColumns.map((c) => (
                        <Table.Td key={c}>
                          <bdi>{show(h.values?.[c])}</bdi>
                        </Table.Td>
                      ))
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Stack>
    </Card>
  );
}
