/**
 * History: the snapshots in every place of a job, in shop words, and how the stored size grew;
 * each row opens the restore wizard at that backup, and a restore's safety backup undoes it.
 */
import { AreaChart } from '@mantine/charts';
import {
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistoryPlace, JobView } from '../../../main/ipc/contract.js';
import { call } from '../api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { summaryText } from '../components/SavedSummary.js';
import { useLoad } from '../hooks.js';
import type { RestoreStart } from '../navigation.js';
import { UndoRestore } from './restore/UndoRestore.js';
import { formatBytes, formatDateTime, formatList, formatShortDateTime } from '../i18n.js';

export function History({
  jobs,
  onRestore,
}: {
  jobs: JobView[];
  onRestore: (start: RestoreStart) => void;
}) {
  const { t } = useTranslation();
  const [jobId, setJobId] = useState(jobs[0]?.id ?? null);
  if (!jobId) return <Text>{t('history.noJobs')}</Text>;
  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Title order={2}>{t('history.title')}</Title>
        {jobs.length > 1 && (
          <Select
            data={jobs.map((j) => ({ value: j.id, label: j.name }))}
            value={jobId}
            onChange={(v) => v && setJobId(v)}
            allowDeselect={false}
          />
        )}
      </Group>
      <JobHistory key={jobId} jobId={jobId} onRestore={onRestore} />
    </Stack>
  );
}

function JobHistory({
  jobId,
  onRestore,
}: {
  jobId: string;
  onRestore: (start: RestoreStart) => void;
}) {
  const history = useLoad(() => call('history:list', { jobId }), ['backup:finished']);
  if (history.error) return <ErrorNote code={history.error.code} message={history.error.message} />;
  if (!history.data) return <Loader />;
  return (
    <Stack gap="lg">
      {history.data.places.map((p) => (
        <Place
          key={p.destinationId}
          place={p}
          onRestore={(snapshotId) => onRestore({ jobId, snapshotId })}
          undo={(snapshotId) => (
            <UndoRestore jobId={jobId} snapshotId={snapshotId} size="xs" onDone={history.reload} />
          )}
        />
      ))}
    </Stack>
  );
}

function Place({
  place,
  onRestore,
  undo,
}: {
  place: HistoryPlace;
  onRestore: (snapshotId: string) => void;
  undo: (snapshotId: string) => React.ReactNode;
}) {
  const { t } = useTranslation();
  const oldestFirst = [...place.snapshots].sort((a, b) => a.time.localeCompare(b.time));
  const chart = oldestFirst.map((s, i) => ({
    when: formatShortDateTime(s.time),
    stored: oldestFirst.slice(0, i + 1).reduce((n, x) => n + x.newBytes, 0),
  }));
  return (
    <Card withBorder padding="lg" data-testid="history-place">
      <Stack>
        <Group justify="space-between">
          <Title order={3}>{place.label}</Title>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
            {place.path}
          </Text>
        </Group>
        {place.error ? (
          <ErrorNote code={place.error.code} message={place.error.message} />
        ) : place.snapshots.length === 0 ? (
          <Text c="dimmed">{t('history.empty')}</Text>
        ) : (
          <>
            {chart.length > 1 && (
              <AreaChart
                h={160}
                data={chart}
                dataKey="when"
                series={[{ name: 'stored', label: t('history.storedSize'), color: 'teal.6' }]}
                valueFormatter={formatBytes}
                withDots={false}
                curveType="stepAfter"
              />
            )}
            <Table striped highlightOnHover data-testid="history-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('history.time')}</Table.Th>
                  <Table.Th>{t('history.trigger')}</Table.Th>
                  <Table.Th>{t('history.contents')}</Table.Th>
                  <Table.Th>{t('history.size')}</Table.Th>
                  <Table.Th>{t('history.added')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('history.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...oldestFirst].reverse().map((s) => (
                  <Table.Tr key={s.id} data-testid="history-row">
                    <Table.Td>{formatDateTime(s.time)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Badge
                        variant="light"
                        color={
                          s.trigger === 'pre-restore'
                            ? 'grape'
                            : s.trigger === 'scheduled'
                              ? 'blue'
                              : 'teal'
                        }
                      >
                        {t(`history.triggers.${s.trigger}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {summaryText(t, s.summary)}
                      {!s.complete && (
                        <Text size="xs" c="dimmed">
                          {t('history.partial', {
                            types: formatList(s.types.map((ty) => t(`types.${ty}`))),
                          })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{formatBytes(s.bytes)}</Table.Td>
                    <Table.Td>{formatBytes(s.newBytes)}</Table.Td>
                    <Table.Td>
                      <Stack gap={4} align="flex-start">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => onRestore(s.id)}
                          aria-label={t('history.restoreFrom', { when: formatDateTime(s.time) })}
                          data-testid="history-restore"
                        >
                          {t('history.restore')}
                        </Button>
                        {s.trigger === 'pre-restore' && undo(s.id)}
                      </Stack>
                    </Table.Td>
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
