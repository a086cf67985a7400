/** The schedule presets: manual, nightly after closing, five times a day, opening hours, custom. */
import { Chip, Group, NumberInput, Radio, Stack, Text, TextInput } from '@mantine/core';
import cronstrue from 'cronstrue/i18n';
import { useTranslation } from 'react-i18next';
import type { Schedule } from '../../../main/ipc/contract.js';

/** Monday first; the numbers are cron's (0 is Sunday). */
export const DAYS = [1, 2, 3, 4, 5, 6, 0] as const;

const DEFAULTS: { [P in Schedule['preset']]: Extract<Schedule, { preset: P }> } = {
  manual: { preset: 'manual' },
  nightly: { preset: 'nightly', time: '23:00' },
  'five-a-day': { preset: 'five-a-day' },
  'opening-hours': {
    preset: 'opening-hours',
    everyHours: 3,
    opens: '09:00',
    closes: '21:00',
    days: [1, 2, 3, 4, 5, 6],
  },
  custom: { preset: 'custom', cron: '0 23 * * *' },
};

const CRONSTRUE_LOCALES: Record<string, string> = {
  en: 'en',
  zh: 'zh_CN',
  sv: 'sv',
  nb: 'nb',
  ar: 'ar',
};

/** A cron expression in the owner's words ("At 22:30, Monday through Saturday"), or null. */
export function cronInWords(cron: string, lang: string): string | null {
  if (cron.trim().split(/\s+/).length !== 5) return null;
  try {
    return cronstrue.toString(cron, {
      locale: CRONSTRUE_LOCALES[lang] ?? 'en',
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
    });
  } catch {
    return null;
  }
}

export function dayName(day: number, lang: string, width: 'short' | 'long' = 'short'): string {
  // 2023-01-01 was a Sunday: day 0.
  return new Intl.DateTimeFormat(lang, { weekday: width }).format(
    new Date(Date.UTC(2023, 0, 1 + day, 12)),
  );
}

export function SchedulePicker({
  value,
  onChange,
}: {
  value: Schedule;
  onChange: (s: Schedule) => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <Stack>
      <Radio.Group
        value={value.preset}
        onChange={(p) => onChange(DEFAULTS[p as Schedule['preset']])}
      >
        <Stack gap="xs">
          {(Object.keys(DEFAULTS) as Schedule['preset'][]).map((p) => (
            <Radio
              key={p}
              value={p}
              label={t(`schedule.${p}.label`)}
              description={t(`schedule.${p}.description`)}
            />
          ))}
        </Stack>
      </Radio.Group>
      {value.preset === 'nightly' && (
        <TextInput
          type="time"
          label={t('schedule.nightly.time')}
          value={value.time}
          onChange={(e) =>
            e.currentTarget.value && onChange({ ...value, time: e.currentTarget.value })
          }
          w={160}
        />
      )}
      {value.preset === 'opening-hours' && (
        <Stack gap="xs">
          <Group>
            <NumberInput
              label={t('schedule.opening-hours.every')}
              min={1}
              max={12}
              value={value.everyHours}
              onChange={(n) => typeof n === 'number' && onChange({ ...value, everyHours: n })}
              w={140}
            />
            <TextInput
              type="time"
              label={t('schedule.opening-hours.opens')}
              value={value.opens}
              onChange={(e) =>
                e.currentTarget.value && onChange({ ...value, opens: e.currentTarget.value })
              }
              w={140}
            />
            <TextInput
              type="time"
              label={t('schedule.opening-hours.closes')}
              value={value.closes}
              onChange={(e) =>
                e.currentTarget.value && onChange({ ...value, closes: e.currentTarget.value })
              }
              w={140}
            />
          </Group>
          <Chip.Group
            multiple
            value={value.days.map(String)}
            onChange={(v) => v.length && onChange({ ...value, days: v.map(Number) })}
          >
            <Group gap={6}>
              {DAYS.map((d) => (
                <Chip key={d} value={String(d)} size="sm">
                  {dayName(d, i18n.language)}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
        </Stack>
      )}
      {value.preset === 'custom' && (
        <Stack gap={4}>
          <TextInput
            label={t('schedule.custom.cron')}
            value={value.cron}
            dir="ltr"
            onChange={(e) => onChange({ ...value, cron: e.currentTarget.value })}
            w={260}
          />
          <Text size="xs" c="dimmed">
            {t('schedule.custom.help')}
          </Text>
          <Text size="sm" data-testid="cron-in-words">
            {cronInWords(value.cron, i18n.language) ?? t('schedule.custom.invalid')}
          </Text>
        </Stack>
      )}
    </Stack>
  );
}
