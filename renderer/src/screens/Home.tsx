/**
 * Home: whether the shop's data is safe and, when not, why (Headline), "Back up now", the run's progress
 * (percentage, bytes, time left, each place), then what was saved and what was skipped.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  Loader,
  Paper,
  Progress,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconCircleX,
  IconClock,
  IconShieldCheck,
} from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RunProgress, RunRecord, StatusView } from '../../../main/ipc/contract.js';
import { ApiError, call, subscribe } from '../api.js';
import type { RestoreStart, Screen } from '../navigation.js';
import { ErrorNote, errorText } from '../components/ErrorNote.js';
import { useLoad } from '../hooks.js';
import { formatAgo, formatBytes, formatDuration, formatList, formatPercent } from '../i18n.js';
import { ChangeWarning, SavedSummary } from '../components/SavedSummary.js';
import { PassphraseAsk } from '../components/PassphraseAsk.js';
import { Headline } from './Headline.js';

export function Home({
  go,
  restoreAt,
}: {
  go: (s: Screen) => void;
  restoreAt: (start: RestoreStart) => void;
}) {
  const { t } = useTranslation();
  const status = useLoad(() => call('status:get', {}), ['status:changed']);
  const [running, setRunning] = useState<RunProgress | null>(null);
  const [finished, setFinished] = useState<RunRecord | null>(null);
  const [startError, setStartError] = useState<ApiError | null>(null);
  // A 90-day question stays on screen once answered, to say "correct", though main no longer asks.
  const [answered, setAnswered] = useState<readonly string[]>([]);

  useEffect(() => {
    const offProgress = subscribe('backup:progress', setRunning);
    const offFinished = subscribe('backup:finished', (r) => {
      setRunning(null);
      setFinished(r);
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, []);

  if (!status.data) return status.error ? <ErrorNote code={status.error.code} /> : <Loader />;
  const s = status.data;
  // A run started before this screen opened shows too, until its result arrives.
  const live = running ?? (finished ? null : s.running);

  const backUpNow = async (): Promise<void> => {
    setStartError(null);
    setFinished(null);
    try {
      for (const job of s.jobs) await call('backup:run', { jobId: job.id });
    } catch (e) {
      setStartError(e instanceof ApiError ? e : null);
    }
  };

  return (
    <Stack gap="lg" maw={820}>
      <Headline status={s} go={go} restoreAt={restoreAt} />
      {s.plans.map((plan) =>
        plan.passphraseMissing || plan.passphraseCheckDue || answered.includes(plan.jobId) ? (
          <PassphraseAsk
            key={plan.jobId}
            plan={plan}
            mode={plan.passphraseMissing ? 'missing' : 'check'}
            named={s.plans.length > 1}
            onChecked={() => setAnswered((a) => [...a, plan.jobId])}
          />
        ) : null,
      )}
      {s.jobs.length === 0 ? (
        <Button size="lg" onClick={() => go('setup')} w="fit-content">
          {t('home.setUp')}
        </Button>
      ) : live ? (
        <RunCard run={live} />
      ) : (
        <Button
          size="xl"
          leftSection={<IconShieldCheck />}
          onClick={() => void backUpNow()}
          w="fit-content"
          data-testid="back-up-now"
        >
          {t('home.backUpNow')}
        </Button>
      )}
      {startError && <ErrorNote code={startError.code} message={startError.message} />}
      {s.jobs.length > 0 && (
        <Anchor
          component="button"
          type="button"
          w="fit-content"
          onClick={() => go('restore')}
          data-testid="home-restore"
        >
          {t('home.restore')}
        </Anchor>
      )}
      {finished && !live && <ResultCard run={finished} places={s.places} restoreAt={restoreAt} />}
      {s.places.length > 0 && <Places status={s} />}
    </Stack>
  );
}

/** Where the copies are, and the 3-2-1 rule in words: copies, kinds of storage, one away. */
function Places({ status }: { status: StatusView }) {
  const { t } = useTranslation();
  const recent = status.places.filter((p) => p.recent);
  const kinds = new Set(recent.map((p) => p.kind));
  // A cloud copy is away from the shop only once its sync client had it to upload.
  const away = recent.some((p) => p.kind === 'cloud' && !p.notUploaded);
  return (
    <Paper p="lg" withBorder data-testid="places">
      <Stack gap="xs">
        <Title order={4}>{t('home.places.title')}</Title>
        <Text data-testid="rule-321">
          {t('home.places.copies', { count: recent.length })}
          {recent.length > 0 ? t('home.places.kinds', { count: kinds.size }) : ''}{' '}
          {away ? t('home.places.offsite') : t('home.places.noOffsite')}{' '}
          {kinds.has('removable') ? t('home.places.offline') : ''}
        </Text>
        <List spacing={2}>
          {status.places.map((p) => (
            <List.Item key={`${p.jobId}-${p.destinationId}`}>
              <Text span fw={600}>
                {p.label}
              </Text>{' '}
              <Badge size="xs" variant="light">
                {t(`setup.places.kind.${p.kind}`)}
              </Badge>{' '}
              <Text span c="dimmed">
                {p.lastOkAt
                  ? t('home.places.last', { ago: formatAgo(p.lastOkAt) })
                  : t('home.places.never')}
              </Text>
              {p.notUploaded && (
                <Text size="sm" c="orange.8" data-testid="place-not-uploaded">
                  {t('result.syncStopped', { name: p.label })}
                </Text>
              )}
              <PlaceSpace place={p} />
              {p.damaged && (
                <DamagedPlace
                  place={p}
                  canRepair={status.places.filter((o) => o.jobId === p.jobId).length > 1}
                />
              )}
              {p.sticks.length > 0 && (
                <Text size="sm" c="dimmed" data-testid="place-sticks">
                  {formatList(
                    p.sticks.map((k) =>
                      k.lastOkAt
                        ? t('home.places.stickLast', { label: k.label, ago: formatAgo(k.lastOkAt) })
                        : t('home.places.stickNever', { label: k.label }),
                    ),
                  )}
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      </Stack>
    </Paper>
  );
}

/** Damage found in a place, and the way out: good copies from another place of the plan. */
function DamagedPlace({
  place,
  canRepair,
}: {
  place: StatusView['places'][number];
  canRepair: boolean;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const repair = (): void => {
    setBusy(true);
    setError(null);
    call('places:repair', { jobId: place.jobId, destinationId: place.destinationId })
      .then(
        (r) => {
          setFailed(!r.ok);
          // A whole place leaves this list at once; the good news stays a moment longer.
          if (r.ok) {
            notifications.show({
              color: 'teal',
              message: t('home.places.repaired', { from: r.from }),
            });
          }
        },
        (e: unknown) => setError(e instanceof ApiError ? e : null),
      )
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap={4} data-testid="place-damaged">
      <Text size="sm" c="red" fw={600}>
        {canRepair ? t('home.places.damaged') : t('home.places.damagedAlone')}
      </Text>
      {canRepair && (
        <Button size="xs" color="red" w="fit-content" loading={busy} onClick={repair}>
          {t('home.places.repair')}
        </Button>
      )}
      {failed && (
        <Text size="sm" c="red">
          {t('home.places.repairFailed')}
        </Text>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
    </Stack>
  );
}

const SPACE_COLOR = { ok: 'dimmed', low: 'orange.8', full: 'red.8' } as const;

/** "12.3 GB free, about 40 days left at the current rate", and what to do when it is low. */
function PlaceSpace({ place }: { place: StatusView['places'][number] }) {
  const { t } = useTranslation();
  if (place.freeBytes === null || place.space === null) return null;
  const free = formatBytes(place.freeBytes);
  return (
    <Text size="sm" c={SPACE_COLOR[place.space]} data-testid="place-space">
      {place.daysLeft === null
        ? t('home.places.free', { free })
        : t('home.places.daysLeft', { free, count: place.daysLeft })}
      {place.space !== 'ok' ? ` ${t(`home.places.${place.space}`)}` : ''}
    </Text>
  );
}

function RunCard({ run }: { run: RunProgress }) {
  const { t } = useTranslation();
  const percent = Math.floor(run.fraction * 100);
  const [cancelling, setCancelling] = useState(false);
  return (
    <Card withBorder padding="lg" data-testid="run-progress">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3}>{t(`run.phase.${run.phase}`)}</Title>
          <Text fw={700} size="xl" data-testid="run-percent">
            {formatPercent(run.fraction)}
          </Text>
        </Group>
        <Progress value={percent} size="xl" striped animated aria-label={t('run.progress')} />
        <Group justify="space-between">
          <Text c="dimmed">
            {run.bytesTotal > 0
              ? t('run.bytes', {
                  done: formatBytes(run.bytesDone),
                  total: formatBytes(run.bytesTotal),
                })
              : ''}
          </Text>
          <Text c="dimmed">
            {run.etaSeconds !== null
              ? t('run.eta', { time: formatDuration(run.etaSeconds) })
              : t('run.etaUnknown')}
          </Text>
        </Group>
        <List spacing={4}>
          {run.destinations.map((d) => (
            <List.Item key={d.destinationId} icon={<IconClock size={16} />}>
              {d.label} — {t(`run.place.${d.state}`)}
            </List.Item>
          ))}
        </List>
        <Button
          variant="default"
          w="fit-content"
          loading={cancelling}
          onClick={() => {
            setCancelling(true);
            void call('backup:cancel', { runId: run.runId });
          }}
        >
          {t('run.cancel')}
        </Button>
      </Stack>
    </Card>
  );
}

function ResultCard({
  run,
  places,
  restoreAt,
}: {
  run: RunRecord;
  places: StatusView['places'];
  restoreAt: (start: RestoreStart) => void;
}) {
  const kindOf = (id: string) => places.find((p) => p.destinationId === id)?.kind;
  const { t } = useTranslation();
  const color = run.sourceDamage
    ? 'red'
    : run.change
      ? 'yellow'
      : run.outcome === 'ok'
        ? 'teal'
        : run.outcome === 'partial'
          ? 'yellow'
          : run.outcome === 'cancelled'
            ? 'gray'
            : 'red';
  return (
    <Card
      withBorder
      padding="lg"
      data-testid="run-result"
      data-outcome={run.outcome}
      data-change={run.change ? 'true' : undefined}
    >
      <Stack gap="sm">
        <Group>
          <Badge color={color} size="lg">
            {t(`result.outcome.${run.outcome}`)}
          </Badge>
          <Text c="dimmed">{formatAgo(run.finishedAt)}</Text>
        </Group>
        {run.summary && run.outcome !== 'failed' && (
          <Text size="lg" data-testid="run-saved">
            {t('result.saved')} <SavedSummary summary={run.summary} />
            {' · '}
            {formatBytes(run.bytes)}
          </Text>
        )}
        <ChangeWarning run={run} onRestore={restoreAt} />
        {run.error && <ErrorNote code={run.error.code} message={run.error.message} />}
        {run.sourceDamage && (
          <Text c="red" fw={600} data-testid="run-source-damaged">
            {t('result.sourceDamaged')}
          </Text>
        )}
        <List spacing="xs">
          {run.destinations.map((d) => (
            <List.Item
              key={d.destinationId}
              icon={
                // A copy still in the shop (its sync client was not running) is no green tick.
                <ThemeIcon
                  color={!d.ok ? 'red' : d.syncing === false ? 'yellow' : 'teal'}
                  size={22}
                  radius="xl"
                >
                  {!d.ok ? (
                    <IconCircleX size={16} />
                  ) : d.syncing === false ? (
                    <IconAlertTriangle size={16} />
                  ) : (
                    <IconCircleCheck size={16} />
                  )}
                </ThemeIcon>
              }
              data-testid={`result-place-${d.ok ? 'ok' : 'skipped'}`}
              data-uploaded={d.syncing === false ? 'no' : undefined}
            >
              <Text span fw={600}>
                {d.label}
              </Text>
              {': '}
              {d.ok
                ? kindOf(d.destinationId) === 'cloud'
                  ? t('result.placeHanded', { name: d.label, added: formatBytes(d.newBytes) })
                  : t('result.placeOk', { added: formatBytes(d.newBytes) })
                : `${t('result.placeSkipped')} ${errorText(t, d.code ?? 'INTERNAL')}`}
              {d.stick && ` · ${t('result.stick', { label: d.stick.label })}`}
              {d.verified === true && ` · ${t('result.checked')}`}
              {d.removed > 0 && ` · ${t('result.removed', { count: d.removed })}`}
              {d.ejected === true && ` · ${t('result.ejected')}`}
              {d.syncing === false && (
                <Text size="sm" c="orange.8" data-testid="sync-stopped">
                  {t('result.syncStopped', { name: d.label })}
                </Text>
              )}
              {d.ok && d.ejected === false && d.message && (
                <Text size="sm" c="orange.8">
                  {d.message}
                </Text>
              )}
              {d.verified === false && (
                <Text size="sm" c="red" fw={600}>
                  {t('result.damaged')}
                </Text>
              )}
              {!d.ok && d.message && (
                <Text size="sm" c="dimmed">
                  {d.message}
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      </Stack>
    </Card>
  );
}
