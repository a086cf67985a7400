/** Pieces the restore and its undo share: "close the till", progress, the checks, a file. */
import { Alert, Button, Group, List, Progress, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconFolder, IconLock } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RestoreProgressView, RestoreResult } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatDuration, formatPercent } from '../../i18n.js';
import type { LiveCheck } from './run-hooks.js';
import { checkLines } from './words.js';

/** The till still holds the database: say so, and offer only to look again. */
export function TillOpen({ live }: { live: LiveCheck }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="orange"
      icon={<IconLock />}
      title={t('restore.safely.tillOpenTitle')}
      data-testid="till-open"
    >
      <Stack gap="xs">
        <Text size="sm">{t('restore.safely.tillOpen')}</Text>
        <Button
          variant="white"
          color="orange"
          w="fit-content"
          loading={live.checking}
          onClick={live.check}
          data-testid="check-again"
        >
          {t('restore.safely.checkAgain')}
        </Button>
      </Stack>
    </Alert>
  );
}

export function RunProgress({ progress }: { progress: RestoreProgressView | null }) {
  const { t } = useTranslation();
  const fraction = progress?.fraction ?? 0;
  return (
    <Stack gap="xs" data-testid="restore-progress">
      <Group justify="space-between">
        <Text fw={600}>{t(`restore.phase.${progress?.phase ?? 'rebuild'}`)}</Text>
        <Text fw={700}>{formatPercent(fraction)}</Text>
      </Group>
      <Progress
        value={Math.floor(fraction * 100)}
        size="lg"
        striped
        animated
        aria-label={t('restore.safely.progress')}
      />
      <Text size="sm" c="dimmed">
        {progress?.etaSeconds != null
          ? t('run.eta', { time: formatDuration(progress.etaSeconds) })
          : t('run.etaUnknown')}
      </Text>
    </Stack>
  );
}

export function Checks({ result }: { result: RestoreResult }) {
  const { t } = useTranslation();
  return (
    <List spacing={4} data-testid="restore-checks">
      {checkLines(t, result).map((c) => (
        <List.Item
          key={c.text}
          data-ok={c.ok}
          icon={
            <ThemeIcon color={c.ok ? 'teal' : 'red'} size={20} radius="xl">
              {c.ok ? <IconCircleCheck size={14} /> : <IconCircleX size={14} />}
            </ThemeIcon>
          }
        >
          {c.text}
        </List.Item>
      ))}
    </List>
  );
}

/** A file main handed out, and "Show in folder". */
export function FileLine({ label, path, testid }: { label: string; path: string; testid: string }) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Stack gap={4} data-testid={testid}>
      <Text size="sm">
        {label}{' '}
        <bdi dir="ltr" style={{ wordBreak: 'break-all' }}>
          {path}
        </bdi>
      </Text>
      <Button
        size="xs"
        variant="light"
        w="fit-content"
        leftSection={<IconFolder size={14} />}
        onClick={() => {
          setError(null);
          call('shell:show-in-folder', { path }).catch((e: unknown) =>
            setError(e instanceof ApiError ? e : null),
          );
        }}
        data-testid={`${testid}-show`}
      >
        {t('restore.showInFolder')}
      </Button>
      {error && <ErrorNote code={error.code} message={error.message} />}
    </Stack>
  );
}
