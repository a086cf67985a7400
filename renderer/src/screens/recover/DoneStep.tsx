/**
 * Step 5: the plan is back. "Back up now" shows the first backup after it going into the same
 * backups (only what changed is stored), then Home.
 */
import { Alert, Button, Group, List, Progress, Stack, Text } from '@mantine/core';
import { IconCircleCheck, IconHome, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RunProgress, RunRecord } from '../../../../main/ipc/contract.js';
import { ApiError, call, subscribe } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote, errorText } from '../../components/ErrorNote.js';
import { formatBytes, formatPercent } from '../../i18n.js';
import type { Adopted } from './recover.js';

export function DoneStep({ job, onHome }: { job: Adopted; onHome: () => void }) {
  const { t } = useTranslation();
  const [running, setRunning] = useState<RunProgress | null>(null);
  const [started, setStarted] = useState(false);
  const [finished, setFinished] = useState<RunRecord | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  // Listened to before the run starts, so a quick backup's end is not missed.
  useEffect(() => {
    const offProgress = subscribe('backup:progress', (p) => {
      if (p.jobId === job.id) setRunning(p);
    });
    const offFinished = subscribe('backup:finished', (r) => {
      if (r.jobId !== job.id) return;
      setRunning(null);
      setFinished(r);
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, [job.id]);

  const backUp = (): void => {
    setStarted(true);
    setFinished(null);
    setError(null);
    call('backup:run', { jobId: job.id }).catch((e: unknown) => {
      setStarted(false);
      setError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }));
    });
  };

  const newBytes = finished?.destinations.reduce((n, d) => n + (d.ok ? d.newBytes : 0), 0) ?? 0;

  return (
    <Stack mt="md" maw={680}>
      <Alert
        color="teal"
        icon={<IconCircleCheck />}
        title={t('recover.done.title', { name: isolate(job.name) })}
        data-testid="recover-adopted"
      >
        <Stack gap={4}>
          <Text size="sm">{t('recover.done.intro')}</Text>
          <List size="sm" spacing={2}>
            {job.destinations.map((d) => (
              <List.Item key={d.id}>
                <bdi>{d.label}</bdi>
              </List.Item>
            ))}
          </List>
        </Stack>
      </Alert>
      {started && !finished && (
        <Stack gap="xs" data-testid="recover-running">
          <Group justify="space-between">
            <Text fw={600}>{t(`run.phase.${running?.phase ?? 'starting'}`)}</Text>
            <Text fw={700}>{formatPercent(running?.fraction ?? 0)}</Text>
          </Group>
          <Progress
            value={Math.floor((running?.fraction ?? 0) * 100)}
            size="lg"
            striped
            animated
            aria-label={t('run.progress')}
          />
        </Stack>
      )}
      {finished && (
        <Alert
          color={
            finished.outcome === 'ok' ? 'teal' : finished.outcome === 'partial' ? 'orange' : 'red'
          }
          title={t(`result.outcome.${finished.outcome}`)}
          data-testid="recover-run-result"
          data-outcome={finished.outcome}
        >
          {finished.outcome === 'ok' || finished.outcome === 'partial' ? (
            <Text size="sm">
              {newBytes > 0
                ? t('recover.done.chain', { size: formatBytes(newBytes) })
                : t('recover.done.nothingNew')}
            </Text>
          ) : (
            finished.error && (
              <Text size="sm">
                {errorText(t, finished.error.code)} {finished.error.message}
              </Text>
            )
          )}
        </Alert>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button
          leftSection={<IconPlayerPlay size={18} />}
          variant={finished ? 'light' : 'filled'}
          loading={started && !finished}
          onClick={backUp}
          data-testid="recover-back-up-now"
        >
          {t('recover.done.backUpNow')}
        </Button>
        <Button
          variant={finished ? 'filled' : 'default'}
          leftSection={<IconHome size={18} />}
          onClick={onHome}
          data-testid="recover-home"
        >
          {t('recover.done.home')}
        </Button>
      </Group>
    </Stack>
  );
}
