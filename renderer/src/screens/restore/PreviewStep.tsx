/** Step 4: what the restore would change, before anything is written. */
import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { RestoreWhat } from '../../../../main/ipc/contract.js';
import { call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useLoad } from '../../hooks.js';
import { PreviewSummary } from './PreviewSummary.js';
import type { Preview } from './wizard.js';

export function PreviewStep({
  sessionId,
  what,
  liveUsable,
  onLoaded,
  onBack,
  onNext,
}: {
  sessionId: string;
  what: RestoreWhat;
  /** A database that is gone or unreadable gets the whole backup, previewed or not. */
  liveUsable: boolean;
  onLoaded: (p: Preview) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const preview = useLoad(() => call('restore:preview', { sessionId, what, keepNew: null }));
  const data = preview.data;
  useEffect(() => {
    if (data) onLoaded(data);
    // Once per preview: the default of "keep today's sales" follows what it found.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data]);
  return (
    <Stack mt="md">
      <Text>{t('restore.preview.intro')}</Text>
      {!liveUsable && <Alert color="orange">{t('restore.preview.liveMissing')}</Alert>}
      {preview.error && <ErrorNote code={preview.error.code} message={preview.error.message} />}
      {preview.loading && (
        <Group gap="xs">
          <Loader size="sm" />
          <Text>{t('restore.preview.working')}</Text>
        </Group>
      )}
      {data && <PreviewSummary preview={data} />}
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('restore.back')}
        </Button>
        <Button disabled={!data && liveUsable} onClick={onNext} data-testid="restore-next">
          {t('restore.next')}
        </Button>
      </Group>
    </Stack>
  );
}
