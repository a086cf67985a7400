/**
 * "Only look": the backup as a new file where the owner chooses, the till's database left
 * alone (so the till may stay open), then "Show in folder".
 */
import { Button, Card, Group, Stack, Text } from '@mantine/core';
import { IconDeviceFloppy } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Response } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatBytes, formatWeekdayTime } from '../../i18n.js';
import { FileLine } from './RunParts.js';
import { copyName, type Opened } from './wizard.js';

export function CopyStep({
  opened,
  onBack,
  onFinish,
}: {
  opened: Opened;
  onBack: () => void;
  onFinish: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<Response<'restore:to-copy'> | null>(null);
  const when = formatWeekdayTime(opened.point.time);

  const save = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const { path } = await call('dialog:save-database', {
        name: copyName(opened.live.path, opened.point.time),
      });
      if (path) setSaved(await call('restore:to-copy', { sessionId: opened.sessionId, path }));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack mt="md">
      <Text>{t('restore.copy.intro', { when })}</Text>
      {error && <ErrorNote code={error.code} message={error.message} />}
      {saved ? (
        <Card withBorder padding="lg" data-testid="copy-result">
          <Stack gap="sm">
            <Text size="lg" fw={700}>
              {t('restore.copy.saved', { when, size: formatBytes(saved.bytes) })}
            </Text>
            <FileLine label={t('restore.copy.where')} path={saved.file} testid="copy-file" />
          </Stack>
        </Card>
      ) : null}
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('restore.back')}
        </Button>
        {saved ? (
          <Button onClick={onFinish} data-testid="restore-finish">
            {t('restore.finish')}
          </Button>
        ) : (
          <Button
            leftSection={<IconDeviceFloppy size={18} />}
            loading={busy}
            onClick={() => void save()}
            data-testid="copy-save"
          >
            {t('restore.copy.choose')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
