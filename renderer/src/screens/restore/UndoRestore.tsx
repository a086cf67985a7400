/**
 * "Undo this restore": the safety backup a restore made of what it replaced, put back whole
 * through the same safe path (the till closed, a safety backup of now, the checks), after a
 * confirm. On a restore's result and on the safety backup's row in History.
 */
import { Button, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { IconArrowBackUp } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatWeekdayTime } from '../../i18n.js';
import { useLiveCheck, useRestoreRun } from './run-hooks.js';
import { Checks, RunProgress, TillOpen } from './RunParts.js';
import { resultHeadline } from './words.js';
import type { Opened } from './wizard.js';

export function UndoRestore({
  jobId,
  snapshotId,
  onDone,
  size = 'sm',
}: {
  jobId: string;
  snapshotId: string;
  onDone?: () => void;
  size?: 'xs' | 'sm';
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        size={size}
        variant="light"
        color="grape"
        leftSection={<IconArrowBackUp size={16} />}
        onClick={() => setOpen(true)}
        data-testid="undo-restore"
      >
        {t('restore.undo.button')}
      </Button>
      <Modal
        opened={open}
        onClose={() => {
          setOpen(false);
          onDone?.();
        }}
        title={t('restore.undo.title')}
        size="lg"
      >
        {open && <UndoFlow jobId={jobId} snapshotId={snapshotId} />}
      </Modal>
    </>
  );
}

function UndoFlow({ jobId, snapshotId }: { jobId: string; snapshotId: string }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState<Opened | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let sessionId: string | null = null;
    let live = true;
    call('restore:open', { jobId, snapshotId }).then(
      (o) => {
        sessionId = o.sessionId;
        if (live) setOpened(o);
        else void call('restore:close', { sessionId });
      },
      (e: unknown) => live && setError(e instanceof ApiError ? e : null),
    );
    return () => {
      live = false;
      if (sessionId) void call('restore:close', { sessionId });
    };
  }, [jobId, snapshotId]);
  const sessionId = opened?.sessionId ?? null;
  const check = useLiveCheck(sessionId);
  const run = useRestoreRun(sessionId);

  if (error) return <ErrorNote code={error.code} message={error.message} />;
  if (!opened) return <Loader size="sm" />;
  const when = formatWeekdayTime(opened.point.time);
  if (run.result) {
    return (
      <Stack data-testid="undo-result">
        <Text size="lg" fw={600} data-testid="undo-headline">
          {resultHeadline(t, run.result)}
        </Text>
        <Checks result={run.result} />
      </Stack>
    );
  }
  return (
    <Stack data-testid="undo-flow">
      <Text>{t('restore.undo.explain', { when })}</Text>
      {check.error && <ErrorNote code={check.error.code} message={check.error.message} />}
      {check.free === false && <TillOpen live={check} />}
      {run.error && <ErrorNote code={run.error.code} message={run.error.message} />}
      {run.running ? (
        <RunProgress progress={run.progress} />
      ) : (
        <Group>
          <Button
            color="grape"
            disabled={check.free !== true}
            onClick={() => run.run({ kind: 'all' }, null)}
            data-testid="undo-confirm"
          >
            {t('restore.undo.confirm', { when })}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
