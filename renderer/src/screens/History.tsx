/** History: the snapshots in every place of a job, in shop words, and how the stored size grew. */
import { AreaChart } from '@mantine/charts';
import { Badge, Card, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistoryPlace, JobView } from '../../../main/ipc/contract.js';
import { call } from '../api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { summaryText } from '../components/SavedSummary.js';
import { useLoad } from '../hooks.js';
import { formatBytes, formatDateTime, formatList, formatShortDateTime } from '../i18n.js';

export function History({ jobs }: { jobs: JobView[] }) {
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
      <JobHistory key={jobId} jobId={jobId} />
    </Stack>
  );
}

function JobHistory({ jobId }: { jobId: string }) {
  const history = useLoad(() => call('history:list', { jobId }), ['backup:finished']);
  if (history.error) return <ErrorNote code={history.error.code} message={history.error.message} />;
  if (!history.data) return <Loader />;
  return (
    <Stack gap="lg">
      {history.data.places.map((p) => (
        <Place key={p.destinationId} place={p} />
      ))}
    </Stack>
  );
}

function Place({ place }: { place: HistoryPlace }) {
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
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...oldestFirst].reverse().map((s) => (
                  <Table.Tr key={s.id} data-testid="history-row">
                    <Table.Td>{formatDateTime(s.time)}</Table.Td>
                    <Table.Td>
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
