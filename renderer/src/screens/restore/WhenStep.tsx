/**
 * Step 2: when. Every reachable place's backups as one timeline, by day, newest first, each
 * with what it holds and what changed since the one before, and "only backups before …".
 */
import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Radio,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChangeView, JobView, RestorePoint } from '../../../../main/ipc/contract.js';
import type { ApiError } from '../../api.js';
import { call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote, errorText } from '../../components/ErrorNote.js';
import { summaryText } from '../../components/SavedSummary.js';
import { useLoad } from '../../hooks.js';
import { formatDay, formatList, formatTime, formatWeekdayTime } from '../../i18n.js';
import { changesInWords } from './changes-in-words.js';
import { byDay, lastBefore, localMoment, newestGood, takenBefore } from './timeline.js';
import type { Reason } from './wizard.js';

export function WhenStep(props: {
  jobs: JobView[];
  jobId: string;
  onJob: (jobId: string) => void;
  reason: Reason;
  selected: string | null;
  onSelect: (snapshotId: string) => void;
  opening: boolean;
  error: ApiError | null;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Stack mt="md">
      {props.jobs.length > 1 && (
        <Select
          label={t('restore.when.plan')}
          data={props.jobs.map((j) => ({ value: j.id, label: j.name }))}
          value={props.jobId}
          onChange={(v) => v && props.onJob(v)}
          allowDeselect={false}
          w="fit-content"
          data-testid="restore-plan"
        />
      )}
      <Text>
        {t(props.reason === 'mistake' ? 'restore.when.introMistake' : 'restore.when.intro')}
      </Text>
      <Timeline key={props.jobId} {...props} />
      {props.error && <ErrorNote code={props.error.code} message={props.error.message} />}
      <Group>
        <Button variant="default" onClick={props.onBack}>
          {t('restore.back')}
        </Button>
        <Button
          disabled={!props.selected}
          loading={props.opening}
          onClick={props.onNext}
          data-testid="restore-next"
        >
          {t('restore.next')}
        </Button>
      </Group>
    </Stack>
  );
}

function Timeline({
  jobId,
  reason,
  selected,
  onSelect,
}: {
  jobId: string;
  reason: Reason;
  selected: string | null;
  onSelect: (snapshotId: string) => void;
}) {
  const { t } = useTranslation();
  const points = useLoad(() => call('restore:points', { jobId }), ['backup:finished']);
  const changes = useLoad(
    () => call('restore:changes', { jobId, snapshotId: null }),
    ['backup:finished'],
  );
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const all = points.data?.points;

  // A whole restore or a look starts from the newest good backup; a mistake is found by hand.
  useEffect(() => {
    if (!all || selected || reason === 'mistake') return;
    const good = newestGood(all);
    if (good) onSelect(good.id);
  }, [all, selected, reason, onSelect]);

  const changeOf = useMemo(
    () => new Map((changes.data?.changes ?? []).map((c) => [c.snapshotId, c])),
    [changes.data],
  );

  if (points.error) return <ErrorNote code={points.error.code} message={points.error.message} />;
  if (!all) return <Loader />;

  const moment = localMoment(date, time);
  const shown = moment ? takenBefore(all, moment) : all;
  const last = moment ? lastBefore(all, moment) : null;
  const filter = (d: string, tm: string): void => {
    setDate(d);
    setTime(tm);
    const m = localMoment(d, tm);
    const p = m ? lastBefore(all, m) : null;
    if (p) onSelect(p.id);
  };

  return (
    <Stack>
      {points.data?.unreachable.map((u) => (
        <Alert key={u.destinationId} color="orange" data-testid="restore-unreachable">
          {t('restore.when.unreachable', { label: isolate(u.label) })} {errorText(t, u.code)}
        </Alert>
      ))}
      <Group align="flex-end" data-testid="restore-before">
        <Text fw={600} pb={6}>
          {t('restore.when.before')}
        </Text>
        <TextInput
          type="date"
          label={t('restore.when.date')}
          value={date}
          onChange={(e) => filter(e.currentTarget.value, time)}
          data-testid="restore-before-date"
        />
        <TextInput
          type="time"
          label={t('restore.when.time')}
          value={time}
          onChange={(e) => filter(date, e.currentTarget.value)}
          data-testid="restore-before-time"
        />
        {(date || time) && (
          <Button variant="subtle" onClick={() => filter('', '')}>
            {t('restore.when.showAll')}
          </Button>
        )}
      </Group>
      {all.length === 0 && <Text c="dimmed">{t('restore.when.empty')}</Text>}
      {moment && shown.length === 0 && all.length > 0 && (
        <Text c="dimmed">{t('restore.when.noneBefore')}</Text>
      )}
      {changes.loading && (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm" c="dimmed">
            {t('restore.when.changesLoading')}
          </Text>
        </Group>
      )}
      {changes.error && (
        <Text size="sm" c="dimmed">
          {t('restore.when.changesFailed')} {errorText(t, changes.error.code)}
        </Text>
      )}
      <Radio.Group
        value={selected}
        onChange={onSelect}
        label={t('restore.when.choose')}
        data-testid="restore-timeline"
      >
        <Stack gap="md" mt="xs">
          {byDay(shown).map((day) => (
            <Stack key={day.key} gap="xs">
              <Title order={4}>{formatDay(day.points[0]!.time)}</Title>
              {day.points.map((p) => (
                <Point
                  key={p.id}
                  point={p}
                  change={changeOf.get(p.id)}
                  lastBefore={last?.id === p.id}
                />
              ))}
            </Stack>
          ))}
        </Stack>
      </Radio.Group>
    </Stack>
  );
}

const TRIGGER_COLOR = { manual: 'teal', scheduled: 'blue', 'pre-restore': 'grape' } as const;

function Point({
  point: p,
  change,
  lastBefore: isLast,
}: {
  point: RestorePoint;
  change: ChangeView | undefined;
  lastBefore: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Radio.Card value={p.id} p="sm" radius="md" data-testid="restore-point" data-snapshot={p.id}>
      <Group wrap="nowrap" align="flex-start">
        <Radio.Indicator mt={4} />
        <Stack gap={2} style={{ flex: 1 }}>
          <Group gap="xs">
            <Text fw={700}>{formatTime(p.time)}</Text>
            <Badge variant="light" color={TRIGGER_COLOR[p.trigger]}>
              {t(`history.triggers.${p.trigger}`)}
            </Badge>
            {isLast && (
              <Badge color="teal" data-testid="restore-last-before">
                {t('restore.when.lastBefore')}
              </Badge>
            )}
          </Group>
          <Text size="sm">
            {summaryText(t, p.summary)}
            {p.summary.lastSaleAt &&
              ` · ${t('restore.when.lastSale', { when: formatWeekdayTime(p.summary.lastSaleAt) })}`}
          </Text>
          {!p.complete && (
            <Text size="sm" c="dimmed">
              {t('history.partial', { types: formatList(p.types.map((ty) => t(`types.${ty}`))) })}
            </Text>
          )}
          {change && (
            <Text size="sm" c="teal.8" data-testid="restore-point-changes">
              {change.previousId === null
                ? changesInWords(t, change).join(t('summary.separator'))
                : t('restore.when.since', {
                    changes: changesInWords(t, change).join(t('summary.separator')),
                  })}
            </Text>
          )}
          <Text size="xs" c="dimmed">
            {t('restore.when.places', {
              places: formatList(p.places.map((x) => isolate(x.label))),
            })}
          </Text>
        </Stack>
      </Group>
    </Radio.Card>
  );
}
