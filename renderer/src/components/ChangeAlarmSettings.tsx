/**
 * When a backup counts as "unlike the one before it" for this plan: how large a drop in members
 * or products, and how large a share of prices changed at once. Shops with seasonal clear-outs
 * or frequent price updates raise them; the defaults suit most.
 */
import { Button, Group, NumberInput, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '../../../main/ipc/contract.js';
import { ApiError, call } from '../api.js';
import { ErrorNote } from './ErrorNote.js';

const percent = (v: string | number): number =>
  Math.min(100, Math.max(1, Math.round(Number(v) || 1)));

export function ChangeAlarmSettings({ job, onChanged }: { job: JobView; onChanged: () => void }) {
  const { t } = useTranslation();
  const [drop, setDrop] = useState(job.changeAlarm.dropPercent);
  const [price, setPrice] = useState(job.changeAlarm.pricePercent);
  const [error, setError] = useState<ApiError | null>(null);
  const dirty = drop !== job.changeAlarm.dropPercent || price !== job.changeAlarm.pricePercent;
  const save = (): void => {
    setError(null);
    call('jobs:update', {
      jobId: job.id,
      changeAlarm: { dropPercent: drop, pricePercent: price },
    }).then(onChanged, (e: unknown) => setError(e instanceof ApiError ? e : null));
  };
  return (
    <Stack gap="xs" data-testid="change-alarm-settings">
      <Text fw={600}>{t('settings.changeAlarm.title')}</Text>
      <Text size="sm" c="dimmed">
        {t('settings.changeAlarm.help')}
      </Text>
      <Group align="end">
        <NumberInput
          label={t('settings.changeAlarm.drop')}
          description={t('settings.changeAlarm.dropHelp', { n: drop })}
          value={drop}
          onChange={(v) => setDrop(percent(v))}
          min={1}
          max={100}
          suffix=" %"
          w={260}
          data-testid="change-alarm-drop"
        />
        <NumberInput
          label={t('settings.changeAlarm.price')}
          description={t('settings.changeAlarm.priceHelp', { n: price })}
          value={price}
          onChange={(v) => setPrice(percent(v))}
          min={1}
          max={100}
          suffix=" %"
          w={260}
          data-testid="change-alarm-price"
        />
        {dirty && (
          <Button onClick={save} data-testid="change-alarm-save">
            {t('settings.save')}
          </Button>
        )}
      </Group>
      {error && <ErrorNote code={error.code} message={error.message} />}
    </Stack>
  );
}
