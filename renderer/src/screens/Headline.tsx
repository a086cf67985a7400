/**
 * Home's headline: the colour and the one reason that matters most (the status rule in main),
 * what to do about it, and a line per plan with its own places counted.
 */
import { Button, Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import {
  IconAlertTriangle,
  IconArrowBackUp,
  IconShieldCheck,
  IconShieldX,
} from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { StatusReason, StatusView } from '../../../main/ipc/contract.js';
import { isolate } from '../bidi.js';
import { errorText } from '../components/ErrorNote.js';
import { changeText } from '../components/SavedSummary.js';
import {
  formatAgo,
  formatDateTime,
  formatDuration,
  formatList,
  formatNumber,
  formatWeekdayTime,
} from '../i18n.js';
import { call } from '../api.js';
import type { RestoreStart, Screen } from '../navigation.js';

const LEVEL = {
  none: { color: 'gray', icon: IconShieldX },
  ok: { color: 'teal', icon: IconShieldCheck },
  warn: { color: 'yellow', icon: IconAlertTriangle },
  bad: { color: 'red', icon: IconShieldX },
} as const;

/** Readable on white: Mantine's yellow text is too light, so amber words are orange. */
const TEXT_COLOR = { none: 'dimmed', ok: 'teal.8', warn: 'orange.8', bad: 'red.8' } as const;

interface Words {
  what: string;
  /** What to do; null when `what` says it. */
  todo: string | null;
  /** The e2e tests find these lines by the names they had before the rule. */
  whatTestId?: 'headline-space';
  todoTestId?: 'source-damaged';
}

/** The reason in words: what is wrong, and what the owner does about it. */
export function reasonWords(t: TFunction, reason: StatusReason): Words {
  const places = (labels: string[]): { places: string; count: number } => ({
    places: formatList(labels.map(isolate)),
    count: labels.length,
  });
  switch (reason.kind) {
    case 'source-damaged':
      return {
        what: t('home.reason.sourceDamaged.what'),
        todo: reason.lastGoodAt
          ? t('home.reason.sourceDamaged.lastGood', { when: formatWeekdayTime(reason.lastGoodAt) })
          : t('home.reason.sourceDamaged.noGood'),
        todoTestId: 'source-damaged',
      };
    case 'no-passphrase':
      return { what: t('home.reason.noPassphrase.what'), todo: t('home.reason.noPassphrase.do') };
    case 'changed':
      return {
        what: changeText(t, reason.finding),
        todo: t('home.reason.changed.do', {
          at: formatWeekdayTime(reason.at),
          when: formatWeekdayTime(reason.before.time),
        }),
      };
    case 'damaged':
      return {
        what: t('home.reason.damaged.what', places(reason.places)),
        todo: t('home.reason.damaged.do'),
      };
    case 'failed':
      return {
        what: t('home.reason.failed.what'),
        todo: t('home.reason.failed.do', { error: errorText(t, reason.code) }),
      };
    case 'stale':
      return {
        what: reason.lastSuccessAt ? t('home.reason.stale.what') : t('home.reason.never.what'),
        todo: t('home.reason.stale.do'),
      };
    case 'never':
      return { what: t('home.reason.never.what'), todo: t('home.reason.never.do') };
    case 'no-schedule':
      return { what: t('home.reason.noSchedule.what'), todo: t('home.reason.noSchedule.do') };
    case 'missed':
      return {
        what: t('home.reason.missed.what', places(reason.places)),
        todo: t('home.reason.missed.do'),
      };
    case 'not-uploaded':
      return {
        what: t('home.reason.notUploaded.what', places(reason.places)),
        todo: t('home.reason.notUploaded.do', places(reason.places)),
      };
    case 'space':
      return {
        what: t(reason.full ? 'notify.spaceFullTitle' : 'notify.spaceLowTitle', {
          label: reason.place,
        }),
        todo: t('home.reason.space.do'),
        whatTestId: 'headline-space',
      };
  }
}

type Plan = StatusView['plans'][number];

/** "Last backup 2 hours ago, on 2 of 2 places", with the plan's name when there are several. */
function planLine(t: TFunction, plan: Plan, named: boolean): string | null {
  if (plan.lastSuccessAt === null) {
    return named ? t('home.planNever', { plan: isolate(plan.name) }) : null;
  }
  const counts = {
    ago: formatAgo(plan.lastSuccessAt),
    ok: formatNumber(plan.placesOk),
    total: formatNumber(plan.placesTotal),
    count: plan.placesTotal,
  };
  return named
    ? t('home.planLine', { ...counts, plan: isolate(plan.name) })
    : t('home.lastBackup', counts);
}

export function Headline({
  status,
  go,
  restoreAt,
}: {
  status: StatusView;
  go: (s: Screen) => void;
  restoreAt: (start: RestoreStart) => void;
}) {
  const { t } = useTranslation();
  const { color, icon: Icon } = LEVEL[status.level];
  const several = status.plans.length > 1;
  const words = status.reason ? reasonWords(t, status.reason) : null;
  // The plan the headline talks about: the first of the worst, as main chose it.
  const headline = status.plans.find(
    (p) => p.level === status.level && p.reason?.kind === status.reason?.kind,
  );
  return (
    <Paper p="lg" withBorder data-testid="headline" data-level={status.level}>
      <Group wrap="nowrap" align="flex-start">
        <ThemeIcon color={color} size={56} radius="xl">
          <Icon size={32} />
        </ThemeIcon>
        <Stack gap={4}>
          <Title order={2}>{t(`home.level.${status.level}`)}</Title>
          {status.plans.length === 0 && <Text size="lg">{t('home.noJobs')}</Text>}
          {words && status.reason && (
            <Stack gap={2} data-testid="headline-reason" data-reason={status.reason.kind} mb="xs">
              <Text size="lg" fw={700} c={TEXT_COLOR[status.level]} data-testid={words.whatTestId}>
                {several && headline
                  ? t('home.reason.ofPlan', { plan: isolate(headline.name), what: words.what })
                  : words.what}
              </Text>
              {words.todo && (
                <Text size="lg" data-testid={words.todoTestId}>
                  {words.todo}
                </Text>
              )}
              {status.reason.kind === 'no-schedule' && (
                <Button
                  variant="light"
                  color="orange"
                  w="fit-content"
                  mt={4}
                  onClick={() => go('settings')}
                  data-testid="reason-settings"
                >
                  {t('home.reason.noSchedule.open')}
                </Button>
              )}
              {status.reason.kind === 'changed' && headline && (
                <ChangedActions
                  jobId={headline.jobId}
                  reason={status.reason}
                  restoreAt={restoreAt}
                />
              )}
            </Stack>
          )}
          {status.plans.map((plan) => {
            const line = planLine(t, plan, several);
            if (line === null) return null;
            // Another plan's own reason, in a few words; the headline plan's is above.
            const own =
              several && plan.reason && plan !== headline ? reasonWords(t, plan.reason).what : null;
            return (
              <Text key={plan.jobId} size="lg" data-testid="headline-plan" data-level={plan.level}>
                {line}
                {own && (
                  <Text span c={TEXT_COLOR[plan.level]} fw={600}>
                    {' '}
                    {own}
                  </Text>
                )}
              </Text>
            );
          })}
          {status.passphrases === 'basic_text' && (
            <Text c="orange.8" data-testid="passphrases-in-memory">
              {t('home.passphrasesInMemory')}
            </Text>
          )}
          {status.nextRunAt && (
            <Text c="dimmed" data-testid="next-run">
              {t('home.nextRun', { when: formatDateTime(status.nextRunAt) })}
            </Text>
          )}
          {status.checks.map((c) => (
            <Text key={c.jobId} c={c.ok === false ? 'red' : 'dimmed'} data-testid="last-check">
              {c.ok === false
                ? t('home.check.damaged', { ago: formatAgo(c.at) })
                : c.ok && c.restoreMs !== null
                  ? t('home.check.ok', {
                      ago: formatAgo(c.at),
                      time: formatDuration(Math.max(1, Math.round(c.restoreMs / 1000))),
                    })
                  : t('home.check.unknown', { ago: formatAgo(c.at) })}
            </Text>
          ))}
          {status.places
            .filter((p) => p.space === 'low' || p.space === 'full')
            // The place the reason names is said above already.
            .filter((p) => !(status.reason?.kind === 'space' && status.reason.place === p.label))
            .map((p) => (
              <Text key={`${p.jobId}-${p.destinationId}`} c="orange.8" data-testid="headline-space">
                {t(p.space === 'full' ? 'notify.spaceFullTitle' : 'notify.spaceLowTitle', {
                  label: p.label,
                })}
              </Text>
            ))}
        </Stack>
      </Group>
    </Paper>
  );
}

/**
 * A backup unlike the one before: back to the kept one in the restore wizard, or the owner says
 * it was meant (the PIN is asked: staff cannot hide a mass delete).
 */
function ChangedActions({
  jobId,
  reason,
  restoreAt,
}: {
  jobId: string;
  reason: Extract<StatusReason, { kind: 'changed' }>;
  restoreAt: (start: RestoreStart) => void;
}) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" mt={4}>
      <Button
        variant="light"
        color="orange"
        leftSection={<IconArrowBackUp size={18} />}
        onClick={() => restoreAt({ jobId, snapshotId: reason.before.snapshotId })}
        data-testid="reason-changed-restore"
      >
        {t('change.restore')}
      </Button>
      <Button
        variant="subtle"
        color="gray"
        onClick={() => void call('status:dismiss-change', { jobId }).catch(() => undefined)}
        data-testid="reason-changed-dismiss"
      >
        {t('home.reason.changed.meant')}
      </Button>
    </Group>
  );
}
