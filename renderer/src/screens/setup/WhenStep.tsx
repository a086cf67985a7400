/** Step 5: when the backups run by themselves. */
import { Button, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schedule } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { SchedulePicker } from '../../components/SchedulePicker.js';

export function WhenStep(props: {
  jobId: string;
  value: Schedule;
  onChange: (s: Schedule) => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Stack mt="md">
      <Text>{t('setup.when.intro')}</Text>
      <SchedulePicker
        value={props.value}
        onChange={(s) => {
          setError(null);
          props.onChange(s);
        }}
      />
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button
          loading={busy}
          onClick={() => {
            setBusy(true);
            setError(null);
            call('jobs:update', { jobId: props.jobId, schedule: props.value }).then(
              () => {
                setBusy(false);
                props.onNext();
              },
              (e: unknown) => {
                setBusy(false);
                setError(e instanceof ApiError ? e : null);
              },
            );
          }}
          data-testid="setup-next"
        >
          {t('setup.next')}
        </Button>
      </Group>
    </Stack>
  );
}
