/**
 * Step 4: "Keep backing up here": the found backups become a plan again (same keys, same
 * history), its other copies re-attached, the schedule asked again. Opened with the recovery
 * key, a new passphrase is needed; opened with the passphrase, the backups keep that one;
 * backups that are not encrypted go on without one.
 */
import {
  Alert,
  Button,
  Group,
  List,
  PasswordInput,
  Progress,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconLink } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schedule } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { SchedulePicker } from '../../components/SchedulePicker.js';
import { passphraseStrength } from '../../strength.js';
import type { Adopted, Found, OpenedWith, Restored, Unlocked } from './recover.js';

const STRENGTH_COLORS = ['red', 'red', 'orange', 'teal', 'green'] as const;

export function KeepStep({
  found,
  unlocked,
  restored,
  onAdopted,
  onBack,
}: {
  found: Found;
  unlocked: Unlocked & { kind: OpenedWith };
  restored: Restored;
  onAdopted: (job: Adopted) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(t('setup.protect.defaultName', { file: unlocked.sourceName }));
  const [schedule, setSchedule] = useState<Schedule>({ preset: 'nightly', time: '23:00' });
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const strength = useMemo(
    () => passphraseStrength(pass, [name, unlocked.sourceName]),
    [pass, name, unlocked.sourceName],
  );

  const required = unlocked.kind === 'recovery-key';
  const tooShort = pass.length > 0 && pass.length < 10;
  const mismatch = again.length > 0 && again !== pass;
  // Opened with the passphrase, the backups keep it (main sets a new one only after the key).
  const passOk = !required || (pass.length >= 10 && pass === again && strength >= 2);

  const adopt = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const { job } = await call('recover:adopt', {
        recoveryId: unlocked.recoveryId,
        database: restored.file,
        name: name.trim(),
        passphrase: required ? pass : null,
        schedule,
      });
      onAdopted(job);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack mt="md" maw={640}>
      <Text>{t('recover.keep.intro')}</Text>
      <TextInput
        label={t('recover.keep.name')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        maxLength={80}
        data-testid="recover-plan-name"
      />

      <Stack gap={4}>
        <Title order={4}>{t('recover.keep.placesTitle')}</Title>
        <List spacing={4} icon={<IconLink size={16} />} data-testid="recover-places">
          <List.Item>{t('recover.keep.place', { label: isolate(found.where.label) })}</List.Item>
          {unlocked.otherPlaces.map((o) => (
            <List.Item key={o.path} data-testid="recover-other-place">
              {t('recover.keep.otherPlace', { label: isolate(o.label) })}
            </List.Item>
          ))}
        </List>
        {unlocked.otherPlaces.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('recover.keep.noOthers')}
          </Text>
        )}
      </Stack>

      <Stack gap="xs">
        <Title order={4}>{t('recover.keep.whenTitle')}</Title>
        <SchedulePicker value={schedule} onChange={setSchedule} />
      </Stack>

      <Stack gap="xs">
        <Title order={4}>{t('recover.keep.passTitle')}</Title>
        {required ? (
          <>
            <Alert color="blue" data-testid="recover-pass-required">
              {t('recover.keep.passRequired')}
            </Alert>
            <PasswordInput
              label={t('recover.keep.newPass')}
              value={pass}
              onChange={(e) => setPass(e.currentTarget.value)}
              error={tooShort ? t('setup.protect.tooShort') : null}
              data-testid="recover-new-passphrase"
            />
            <Progress
              value={pass ? (strength + 1) * 20 : 0}
              color={STRENGTH_COLORS[strength]}
              aria-label={t('setup.protect.strengthLabel')}
            />
            <Text size="sm" c="dimmed" data-testid="recover-strength">
              {pass ? t(`setup.protect.strength.${strength}`) : t('setup.protect.hint')}
            </Text>
            <PasswordInput
              label={t('setup.protect.again')}
              value={again}
              onChange={(e) => setAgain(e.currentTarget.value)}
              error={mismatch ? t('setup.protect.mismatch') : null}
              data-testid="recover-new-passphrase-again"
            />
          </>
        ) : unlocked.kind === 'none' ? (
          <Text size="sm" data-testid="recover-pass-none">
            {t('recover.keep.passNone')}
          </Text>
        ) : (
          <Text size="sm" data-testid="recover-pass-kept">
            {t('recover.keep.passKept')}
          </Text>
        )}
      </Stack>

      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button variant="default" onClick={onBack} data-testid="recover-back">
          {t('recover.back')}
        </Button>
        <Button
          loading={busy}
          disabled={!passOk || !name.trim()}
          onClick={() => void adopt()}
          data-testid="recover-adopt"
        >
          {t('recover.keep.adopt')}
        </Button>
      </Group>
    </Stack>
  );
}
