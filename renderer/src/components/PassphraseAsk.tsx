/**
 * The backup passphrase typed on Home: when this computer could not keep it (backups are
 * stopped until it is typed), and every 90 days as "do you still know it?", which proves the
 * owner can still open the backups and keeps nothing new.
 */
import { Alert, Button, Group, PasswordInput, Stack, Text } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PlanStatus } from '../../../main/ipc/contract.js';
import { ApiError, call } from '../api.js';
import { isolate } from '../bidi.js';
import { errorText } from './ErrorNote.js';

export function PassphraseAsk({
  plan,
  mode,
  named,
  onChecked,
}: {
  plan: PlanStatus;
  /** `missing`: backups wait for it; `check`: the 90-day question. */
  mode: 'missing' | 'check';
  /** Say which plan: there are several. */
  named: boolean;
  /** The 90-day answer was right: Home keeps this on screen to say so. */
  onChecked: () => void;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [later, setLater] = useState(false);
  if (later) return null;
  if (done && mode === 'check') {
    return (
      <Alert color="teal" variant="light" data-testid="passphrase-check-ok" role="status">
        {t('passphraseAsk.checked')}
      </Alert>
    );
  }
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      await call('passphrase:check', { jobId: plan.jobId, passphrase: value });
      setValue('');
      setDone(true);
      if (mode === 'check') onChecked();
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'WRONG_PASSPHRASE'
          ? t('passphraseAsk.wrong')
          : err instanceof ApiError
            ? errorText(t, err.code)
            : t('errors.INTERNAL'),
      );
    } finally {
      setBusy(false);
    }
  };
  const title = t(mode === 'missing' ? 'passphraseAsk.missingTitle' : 'passphraseAsk.checkTitle');
  return (
    <Alert
      color={mode === 'missing' ? 'red' : 'blue'}
      variant="light"
      icon={<IconKey />}
      title={named ? t('home.reason.ofPlan', { plan: isolate(plan.name), what: title }) : title}
      data-testid={mode === 'missing' ? 'passphrase-missing' : 'passphrase-check'}
    >
      <form onSubmit={(e) => void submit(e)}>
        <Stack gap="xs">
          <Text size="sm">
            {t(mode === 'missing' ? 'passphraseAsk.missingWhy' : 'passphraseAsk.checkWhy')}
          </Text>
          <PasswordInput
            label={t('passphraseAsk.label')}
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={error}
            autoComplete="off"
            maw={420}
            data-testid="passphrase-ask-input"
          />
          <Group gap="xs">
            <Button
              type="submit"
              loading={busy}
              disabled={!value}
              data-testid="passphrase-ask-submit"
            >
              {t(mode === 'missing' ? 'passphraseAsk.submitMissing' : 'passphraseAsk.submitCheck')}
            </Button>
            {mode === 'check' && (
              <Button
                variant="subtle"
                onClick={() => setLater(true)}
                data-testid="passphrase-ask-later"
              >
                {t('passphraseAsk.later')}
              </Button>
            )}
          </Group>
          {mode === 'check' && (
            <Text size="xs" c="dimmed">
              {t('passphraseAsk.forgot')}
            </Text>
          )}
        </Stack>
      </form>
    </Alert>
  );
}
