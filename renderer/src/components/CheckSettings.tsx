/**
 * The weekly restore test of a plan: which day and time it runs (a quiet time), and "Test
 * restore now", which reads every place in full and restores the newest backup.
 */
import { Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CheckRecord, JobView, Schedule } from '../../../main/ipc/contract.js';
import { ApiError, call } from '../api.js';
import { formatDuration, formatList } from '../i18n.js';
import { ErrorNote } from './ErrorNote.js';
import { DAYS, dayName } from './SchedulePicker.js';

const WEEKLY = /^(\d{1,2}) (\d{1,2}) \* \* ([0-6])$/;

/** "0 3 * * 0" ⇄ Sunday 03:00; any other schedule shows as the default. */
function weeklyOf(s: Schedule): { day: number; time: string } {
  const m = s.preset === 'custom' ? WEEKLY.exec(s.cron) : null;
  if (!m) return { day: 0, time: '03:00' };
  return { day: Number(m[3]), time: `${m[2]!.padStart(2, '0')}:${m[1]!.padStart(2, '0')}` };
}

function cronOf(day: number, time: string): Schedule {
  const [h, m] = time.split(':').map(Number);
  return { preset: 'custom', cron: `${m ?? 0} ${h ?? 3} * * ${day}` };
}

export function CheckSettings({ job, onChanged }: { job: JobView; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const saved = weeklyOf(job.checkSchedule);
  const [day, setDay] = useState(saved.day);
  const [time, setTime] = useState(saved.time);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<CheckRecord | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const dirty = day !== saved.day || time !== saved.time;

  const testNow = (): void => {
    setTesting(true);
    setError(null);
    setResult(null);
    call('check:run', { jobId: job.id })
      .then(setResult, (e: unknown) => setError(e instanceof ApiError ? e : null))
      .finally(() => setTesting(false));
  };
  const damaged = result?.places.filter((p) => p.ok === false).map((p) => p.label) ?? [];
  const unreached = result?.places.filter((p) => p.ok === null).map((p) => p.label) ?? [];
  const slowest = Math.max(0, ...(result?.places.map((p) => p.restoreMs ?? 0) ?? []));

  return (
    <Stack gap="xs" data-testid="check-settings">
      <Text fw={600}>{t('settings.check.title')}</Text>
      <Text size="sm" c="dimmed">
        {t('settings.check.help')}
      </Text>
      <Group align="end">
        <Select
          label={t('settings.check.day')}
          data={DAYS.map((d) => ({ value: String(d), label: dayName(d, i18n.language, 'long') }))}
          value={String(day)}
          onChange={(v) => v !== null && setDay(Number(v))}
          allowDeselect={false}
          w={180}
        />
        <TextInput
          type="time"
          label={t('settings.check.time')}
          value={time}
          onChange={(e) => e.currentTarget.value && setTime(e.currentTarget.value)}
          w={140}
        />
        {dirty && (
          <Button
            onClick={() =>
              void call('jobs:update', {
                jobId: job.id,
                checkSchedule: cronOf(day, time),
              }).then(onChanged)
            }
          >
            {t('settings.save')}
          </Button>
        )}
        <Button variant="light" loading={testing} onClick={testNow} data-testid="test-restore">
          {t('settings.check.now')}
        </Button>
      </Group>
      {testing && <Text size="sm">{t('settings.check.running')}</Text>}
      {error && <ErrorNote code={error.code} message={error.message} />}
      {result && (
        <Text
          size="sm"
          c={damaged.length ? 'red' : unreached.length ? 'orange.8' : 'teal.8'}
          data-testid="test-restore-result"
        >
          {damaged.length
            ? t('settings.check.damaged', { places: formatList(damaged) })
            : unreached.length
              ? t('settings.check.unreached', { places: formatList(unreached) })
              : t('settings.check.ok', { time: formatDuration(Math.max(1, slowest / 1000)) })}
        </Text>
      )}
    </Stack>
  );
}
