/**
 * Settings: language, start at login, notifications, the owner's PIN, and the backup jobs with
 * their places.
 */
import { Button, Card, Group, Modal, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobView, Language, SettingsView } from '../../../main/ipc/contract.js';
import { LANGUAGES } from '../../../main/ipc/contract.js';
import { ApiError, call } from '../api.js';
import type { Screen } from '../navigation.js';
import { errorText } from '../components/ErrorNote.js';
import { ChangeAlarmSettings } from '../components/ChangeAlarmSettings.js';
import { CheckSettings } from '../components/CheckSettings.js';
import { OwnerPinSettings } from '../components/OwnerPin.js';
import { PlaceSettings } from '../components/PlaceSettings.js';
import { RecoveryKeySettings } from '../components/RecoveryKeySettings.js';
import { SchedulePicker } from '../components/SchedulePicker.js';
import { formatList } from '../i18n.js';

/** Each language named in itself, so a lost owner finds their own. */
const NATIVE_NAMES: Record<Language, string> = {
  en: 'English',
  zh: '简体中文',
  sv: 'Svenska',
  nb: 'Norsk bokmål',
  ar: 'العربية',
};

export function Settings({
  settings,
  onChanged,
  go,
  openPlan,
}: {
  settings: SettingsView;
  onChanged: () => void;
  go: (s: Screen) => void;
  /** Opens the printable recovery plan of a plan, with a recovery key just made. */
  openPlan: (jobId: string, recoveryKey?: string) => void;
}) {
  const { t } = useTranslation();
  const update = (change: Parameters<typeof call<'settings:update'>>[1]): void => {
    call('settings:update', change).then(onChanged, (e: unknown) =>
      notifications.show({
        color: 'red',
        message: e instanceof ApiError ? errorText(t, e.code) : String(e),
      }),
    );
  };
  return (
    <Stack maw={820} gap="lg">
      <Title order={2}>{t('settings.title')}</Title>
      <Card withBorder padding="lg">
        <Stack>
          <Select
            label={t('settings.language')}
            data={[
              {
                value: 'system',
                label: t('settings.systemLanguage', {
                  name: NATIVE_NAMES[settings.systemLanguage],
                }),
              },
              ...LANGUAGES.map((l) => ({ value: l, label: NATIVE_NAMES[l] })),
            ]}
            value={settings.language}
            onChange={(v) => v && update({ language: v as SettingsView['language'] })}
            allowDeselect={false}
            w={280}
            data-testid="language"
          />
          <Switch
            label={t('settings.startAtLogin')}
            description={t('settings.startAtLoginHelp')}
            checked={settings.startAtLogin}
            onChange={(e) => update({ startAtLogin: e.currentTarget.checked })}
          />
          <Switch
            label={t('settings.notifications')}
            checked={settings.notifications}
            onChange={(e) => update({ notifications: e.currentTarget.checked })}
          />
        </Stack>
      </Card>
      <Card withBorder padding="lg">
        <OwnerPinSettings />
      </Card>
      <Group justify="space-between">
        <Title order={3}>{t('settings.jobs')}</Title>
        <Button variant="light" onClick={() => go('setup')}>
          {t('nav.addBackup')}
        </Button>
      </Group>
      {settings.jobs.map((j) => (
        <JobCard key={j.id} job={j} onChanged={onChanged} openPlan={openPlan} />
      ))}
    </Stack>
  );
}

function JobCard({
  job,
  onChanged,
  openPlan,
}: {
  job: JobView;
  onChanged: () => void;
  openPlan: (jobId: string, recoveryKey?: string) => void;
}) {
  const { t } = useTranslation();
  const [confirm, setConfirm] = useState(false);
  const [schedule, setSchedule] = useState(job.schedule);
  const dirty = JSON.stringify(schedule) !== JSON.stringify(job.schedule);
  return (
    <Card withBorder padding="lg" data-testid="job-card">
      <Stack>
        <Group justify="space-between">
          <Title order={4}>{job.name}</Title>
          <Group gap="xs">
            <Button variant="light" onClick={() => openPlan(job.id)} data-testid="open-plan">
              {t('plan.open')}
            </Button>
            <Button color="red" variant="subtle" onClick={() => setConfirm(true)}>
              {t('settings.remove')}
            </Button>
          </Group>
        </Group>
        <Text size="sm" style={{ wordBreak: 'break-all' }}>
          {t('settings.database')}: {job.source}
        </Text>
        <Text size="sm">
          {t('settings.types')}: {formatList(job.types.map((ty) => t(`types.${ty}`)))}
        </Text>
        {job.destinations.map((d) => (
          <PlaceSettings key={d.id} job={job} place={d} onChanged={onChanged} />
        ))}
        <Text fw={600}>{t('settings.when')}</Text>
        <SchedulePicker value={schedule} onChange={setSchedule} />
        {dirty && (
          <Button
            w="fit-content"
            onClick={() => void call('jobs:update', { jobId: job.id, schedule }).then(onChanged)}
          >
            {t('settings.save')}
          </Button>
        )}
        <CheckSettings job={job} onChanged={onChanged} />
        <ChangeAlarmSettings job={job} onChanged={onChanged} />
        <RecoveryKeySettings job={job} openPlan={openPlan} />
      </Stack>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title={t('settings.removeTitle')}>
        <Stack>
          <Text>{t('settings.removeText', { name: job.name })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)}>
              {t('settings.cancel')}
            </Button>
            <Button
              color="red"
              onClick={() => void call('jobs:remove', { jobId: job.id }).then(onChanged)}
            >
              {t('settings.remove')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
