/** Step 6: everything chosen, and the first backup. */
import { Button, Group, Stack, Table, Text } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatList } from '../../i18n.js';
import type { DataType, Created } from './types.js';

export function ReviewStep({
  created,
  types,
  onDone,
  onPlan,
}: {
  created: Created;
  types: DataType[];
  onDone: () => void;
  /** The recovery plan with the key just made in it: the one time it can be printed so. */
  onPlan: (jobId: string, recoveryKey: string) => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const job = created.job;
  return (
    <Stack mt="md">
      <Table withTableBorder>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th>{t('setup.review.database')}</Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{job.source}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('setup.review.types')}</Table.Th>
            <Table.Td>{formatList(types.map((ty) => t(`types.${ty}`)))}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('setup.review.places')}</Table.Th>
            <Table.Td>
              {job.destinations.map((d) => (
                <Text key={d.id} size="sm" style={{ wordBreak: 'break-all' }}>
                  {d.label} — {d.path}
                </Text>
              ))}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('setup.review.protection')}</Table.Th>
            <Table.Td>{t('setup.review.encrypted')}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button
          size="lg"
          loading={busy}
          onClick={() => {
            setBusy(true);
            call('backup:run', { jobId: job.id }).then(onDone, (e: unknown) => {
              setBusy(false);
              setError(e instanceof ApiError ? e : null);
            });
          }}
          data-testid="run-first-backup"
        >
          {t('setup.review.run')}
        </Button>
        <Button variant="default" onClick={onDone}>
          {t('setup.review.later')}
        </Button>
        {created.recoveryKey && (
          <Button
            variant="subtle"
            leftSection={<IconPrinter size={18} />}
            onClick={() => onPlan(job.id, created.recoveryKey!)}
            data-testid="setup-plan"
          >
            {t('plan.open')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
