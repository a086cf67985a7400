/**
 * Step 6: do it safely. The till must have let go of its database (never forced from here);
 * then the safety backup, the restore in one transaction, and the checks, with progress; then
 * the result in words, the clashes file, and "Undo this restore".
 */
import { Alert, Button, Card, Group, Loader, Stack, Text } from '@mantine/core';
import { IconShieldCheck } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { RestoreWhat } from '../../../../main/ipc/contract.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatNumber } from '../../i18n.js';
import { useLiveCheck, useRestoreRun } from './run-hooks.js';
import { Checks, FileLine, RunProgress, TillOpen } from './RunParts.js';
import { UndoRestore } from './UndoRestore.js';
import { cameWithText, clashCount, keptTexts, resultHeadline } from './words.js';
import type { DataType, Opened } from './wizard.js';

export function SafelyStep({
  jobId,
  opened,
  what,
  keepNew,
  onBack,
  onFinish,
}: {
  jobId: string;
  opened: Opened;
  what: RestoreWhat;
  keepNew: DataType[] | null;
  onBack: () => void;
  onFinish: () => void;
}) {
  const { t } = useTranslation();
  // A database that is not there has no till holding it: nothing to wait for.
  const missing = !opened.live.exists;
  const live = useLiveCheck(missing ? null : opened.sessionId);
  const free = missing || live.free === true;
  const run = useRestoreRun(opened.sessionId);
  const inUse = run.error?.code === 'DB_IN_USE';
  const recheck = live.check;
  // The till opened the database again between the check and the run: look again.
  useEffect(() => {
    if (inUse) recheck();
  }, [inUse, recheck]);

  const r = run.result;
  if (r) {
    const clashes = clashCount(r);
    const cameWith = cameWithText(t, r);
    return (
      <Stack mt="md" data-testid="restore-result">
        <Card withBorder padding="lg">
          <Stack gap="sm">
            <Text size="lg" fw={700} data-testid="restore-headline">
              {[resultHeadline(t, r), ...keptTexts(t, r)].join(' ')}
            </Text>
            {cameWith && <Text data-testid="restore-came-with">{cameWith}</Text>}
            <Checks result={r} />
            {clashes > 0 && r.clashesCsv && (
              <FileLine
                label={t('restore.result.clashes', { count: clashes, n: formatNumber(clashes) })}
                path={r.clashesCsv}
                testid="restore-clashes"
              />
            )}
            {r.setAside && (
              <FileLine
                label={t('restore.result.setAside')}
                path={r.setAside}
                testid="restore-set-aside"
              />
            )}
            {r.safetySnapshotId && (
              <Text size="sm" c="dimmed">
                {t('restore.result.safety')}
              </Text>
            )}
          </Stack>
        </Card>
        <Group>
          {r.safetySnapshotId && <UndoRestore jobId={jobId} snapshotId={r.safetySnapshotId} />}
          <Button onClick={onFinish} data-testid="restore-finish">
            {t('restore.finish')}
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Stack mt="md">
      <Text>
        {t(opened.live.exists ? 'restore.safely.intro' : 'restore.safely.introMissing', {
          path: isolate(opened.live.path),
        })}
      </Text>
      {live.checking && live.free === null && (
        <Group gap="xs">
          <Loader size="sm" />
          <Text>{t('restore.safely.checking')}</Text>
        </Group>
      )}
      {live.error && <ErrorNote code={live.error.code} message={live.error.message} />}
      {live.free === false && <TillOpen live={live} />}
      {free && !missing && !run.running && (
        <Alert color="teal" icon={<IconShieldCheck />} data-testid="till-closed">
          {t('restore.safely.tillClosed')}
        </Alert>
      )}
      {run.error && !inUse && <ErrorNote code={run.error.code} message={run.error.message} />}
      {run.running ? (
        <RunProgress progress={run.progress} />
      ) : (
        <Group>
          <Button variant="default" onClick={onBack}>
            {t('restore.back')}
          </Button>
          <Button
            color="red"
            disabled={!free}
            onClick={() => run.run(what, keepNew)}
            data-testid="restore-run"
          >
            {t('restore.safely.run')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
