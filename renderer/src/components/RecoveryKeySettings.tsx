/**
 * "Make a new recovery key": for a lost sheet, or one someone else saw. Main wraps the master
 * keys again in every place (the old key stops opening them) and returns the new key once; the
 * recovery plan opens with it, to print at once.
 */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '../../../main/ipc/contract.js';
import { ApiError, call } from '../api.js';
import { isolate } from '../bidi.js';
import { ErrorNote } from './ErrorNote.js';

export function RecoveryKeySettings({
  job,
  openPlan,
}: {
  job: JobView;
  openPlan: (jobId: string, recoveryKey: string) => void;
}) {
  const { t } = useTranslation();
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!job.encrypted) return null;
  const make = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const { recoveryKey } = await call('plan:new-recovery-key', { jobId: job.id });
      setConfirm(false);
      openPlan(job.id, recoveryKey);
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs" data-testid="recovery-key-settings">
      <Text fw={600}>{t('settings.recoveryKey.title')}</Text>
      <Text size="sm" c="dimmed">
        {t('settings.recoveryKey.help')}
      </Text>
      <Button
        variant="light"
        w="fit-content"
        leftSection={<IconKey size={18} />}
        onClick={() => setConfirm(true)}
        data-testid="new-recovery-key"
      >
        {t('settings.recoveryKey.make')}
      </Button>
      <Modal
        opened={confirm}
        onClose={() => !busy && setConfirm(false)}
        title={t('settings.recoveryKey.confirmTitle')}
      >
        <Stack>
          <Text>{t('settings.recoveryKey.confirmText', { plan: isolate(job.name) })}</Text>
          <Text size="sm">{t('settings.recoveryKey.connect')}</Text>
          {error && <ErrorNote code={error.code} message={error.message} />}
          <Group justify="flex-end">
            <Button variant="default" disabled={busy} onClick={() => setConfirm(false)}>
              {t('settings.cancel')}
            </Button>
            <Button
              loading={busy}
              onClick={() => void make()}
              data-testid="new-recovery-key-confirm"
            >
              {t('settings.recoveryKey.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
