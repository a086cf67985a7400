/** The merged log for one filter: when, who, what, result and where, newest first. */
import { Alert, Badge, Loader, Stack, Table, Text } from '@mantine/core';
import { IconPlugConnectedX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { AuditEntryView, AuditFilter } from '../../../../main/ipc/contract.js';
import { call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote, errorText } from '../../components/ErrorNote.js';
import { useLoad } from '../../hooks.js';
import { formatDateTime, formatList, formatNumber } from '../../i18n.js';
import { whatText } from './words.js';

const RESULT_COLOR = { ok: 'teal', failed: 'red', damaged: 'orange' } as const;

export function AuditTable({
  filter,
  severalPlans,
}: {
  filter: AuditFilter;
  severalPlans: boolean;
}) {
  const { t } = useTranslation();
  const log = useLoad(() => call('audit:list', filter), ['status:changed', 'backup:finished']);
  if (log.error) return <ErrorNote code={log.error.code} message={log.error.message} />;
  if (!log.data) return <Loader />;
  const { entries, unreachable, truncated } = log.data;
  return (
    <Stack>
      {unreachable.length > 0 && (
        <Alert color="yellow" icon={<IconPlugConnectedX />} data-testid="audit-unreachable">
          <Stack gap={2}>
            {unreachable.map((u) => (
              <Text size="sm" key={`${u.jobId}/${u.destinationId}`}>
                {t('audit.unreachable', {
                  place: isolate(u.label),
                  reason: errorText(t, u.code),
                })}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      {entries.length === 0 ? (
        <Text c="dimmed" data-testid="audit-empty">
          {t('audit.empty')}
        </Text>
      ) : (
        <Table striped highlightOnHover data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('audit.column.when')}</Table.Th>
              <Table.Th>{t('audit.column.who')}</Table.Th>
              <Table.Th>{t('audit.column.what')}</Table.Th>
              <Table.Th>{t('audit.column.result')}</Table.Th>
              <Table.Th>{t('audit.column.places')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <Row key={e.id} entry={e} severalPlans={severalPlans} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {truncated && (
        <Text size="sm" c="dimmed" data-testid="audit-truncated">
          {t('audit.truncated', { n: formatNumber(entries.length) })}
        </Text>
      )}
    </Stack>
  );
}

function Row({ entry: e, severalPlans }: { entry: AuditEntryView; severalPlans: boolean }) {
  const { t } = useTranslation();
  return (
    <Table.Tr data-testid="audit-row" data-kind={e.kind}>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.time)}</Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="audit-actor">
          {t(`audit.actor.${e.actor}`)}
        </Text>
        {e.user && (
          <Text size="xs" c="dimmed">
            <bdi>{`${e.user}@${e.host}`}</bdi>
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="xs" c="dimmed">
          {t(`audit.kind.${e.kind}`)}
        </Text>
        <Text size="sm" data-testid="audit-what">
          {whatText(t, e.what)}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Badge variant="light" color={RESULT_COLOR[e.result]} data-testid="audit-result">
          {t(`audit.result.${e.result}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        {severalPlans && e.plan && (
          <Text size="xs" c="dimmed">
            <bdi>{e.plan.name}</bdi>
          </Text>
        )}
        <Text size="sm">{formatList(e.places.map((p) => isolate(p.label)))}</Text>
      </Table.Td>
    </Table.Tr>
  );
}
