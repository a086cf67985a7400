/**
 * Step 3: which backup (newest good one first, by day) and where the database goes: back where
 * it was when that folder is here and free, else where the owner chooses; then the checks.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  Loader,
  Radio,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import {
  IconCircleCheck,
  IconCircleX,
  IconDeviceFloppy,
  IconFolder,
  IconRestore,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RestorePoint, RestoreProgressView } from '../../../../main/ipc/contract.js';
import { ApiError, call, subscribe } from '../../api.js';
import { summaryText } from '../../components/SavedSummary.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatBytes, formatDay, formatList, formatTime, formatWeekdayTime } from '../../i18n.js';
import { RunProgress } from '../restore/RunParts.js';
import { byDay, newestGood } from '../restore/timeline.js';
import { checkLines } from './checks.js';
import type { Restored, Unlocked } from './recover.js';

const TRIGGER_COLOR = { manual: 'teal', scheduled: 'blue', 'pre-restore': 'grape' } as const;

export function PutBackStep({
  unlocked,
  selected,
  onSelect,
  restored,
  onRestored,
  onBack,
  onNext,
}: {
  unlocked: Unlocked;
  selected: string | null;
  onSelect: (snapshotId: string) => void;
  restored: Restored | null;
  onRestored: (r: Restored) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<'suggested' | 'choose' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [progress, setProgress] = useState<RestoreProgressView | null>(null);
  const good = newestGood(unlocked.points);

  useEffect(
    () =>
      subscribe('restore:progress', (p) => {
        if (p.sessionId === unlocked.recoveryId) setProgress(p);
      }),
    [unlocked.recoveryId],
  );

  useEffect(() => {
    if (!selected && good) onSelect(good.id);
  }, [selected, good, onSelect]);

  const putBack = async (how: 'suggested' | 'choose'): Promise<void> => {
    if (!selected) return;
    setBusy(how);
    setError(null);
    setProgress(null);
    try {
      const to =
        how === 'suggested'
          ? unlocked.suggestedPath
          : (await call('dialog:save-database', { name: unlocked.sourceName })).path;
      if (to)
        onRestored(
          await call('recover:restore', {
            recoveryId: unlocked.recoveryId,
            snapshotId: selected,
            to,
          }),
        );
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }));
    } finally {
      setBusy(null);
    }
  };

  const point = unlocked.points.find((p) => p.id === selected) ?? null;
  const lines = restored ? checkLines(t, restored.checks) : [];
  const allOk = lines.every((l) => l.ok);

  return (
    <Stack mt="md">
      <Text>{t('recover.putBack.intro')}</Text>
      {unlocked.points.length === 0 && <Text c="dimmed">{t('recover.putBack.empty')}</Text>}
      <Radio.Group
        value={selected}
        onChange={onSelect}
        label={t('recover.putBack.choose')}
        data-testid="recover-timeline"
      >
        <Stack gap="md" mt="xs">
          {byDay(unlocked.points).map((day) => (
            <Stack key={day.key} gap="xs">
              <Title order={4}>{formatDay(day.points[0]!.time)}</Title>
              {day.points.map((p) => (
                <Point key={p.id} point={p} newest={p.id === good?.id} />
              ))}
            </Stack>
          ))}
        </Stack>
      </Radio.Group>

      {point && !restored && (
        <Card withBorder padding="md">
          <Stack gap="sm">
            <Text fw={600}>
              {t('recover.putBack.where', { when: formatWeekdayTime(point.time) })}
            </Text>
            {busy ? (
              <Stack gap="xs" data-testid="recover-restoring">
                <Group gap="xs">
                  <Loader size="sm" />
                  <Text>{t('recover.putBack.working')}</Text>
                </Group>
                {progress && <RunProgress progress={progress} />}
              </Stack>
            ) : (
              <Group>
                {unlocked.suggestedPath && (
                  <Button
                    leftSection={<IconRestore size={18} />}
                    onClick={() => void putBack('suggested')}
                    data-testid="recover-put-suggested"
                  >
                    <span>
                      {t('recover.putBack.suggested')} <bdi dir="ltr">{unlocked.suggestedPath}</bdi>
                    </span>
                  </Button>
                )}
                <Button
                  variant={unlocked.suggestedPath ? 'light' : 'filled'}
                  leftSection={<IconDeviceFloppy size={18} />}
                  onClick={() => void putBack('choose')}
                  data-testid="recover-choose"
                >
                  {t(
                    unlocked.suggestedPath
                      ? 'recover.putBack.elsewhere'
                      : 'recover.putBack.chooseWhere',
                  )}
                </Button>
              </Group>
            )}
          </Stack>
        </Card>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}

      {restored && (
        <Card withBorder padding="lg" data-testid="recover-restored">
          <Stack gap="sm">
            <Text size="lg" fw={700}>
              {t('recover.putBack.done', { size: formatBytes(restored.bytes) })}
            </Text>
            <Text size="sm">
              {t('recover.putBack.file')}{' '}
              <bdi dir="ltr" style={{ wordBreak: 'break-all' }} data-testid="recover-file">
                {restored.file}
              </bdi>
            </Text>
            <List spacing={4} data-testid="recover-checks">
              {lines.map((c) => (
                <List.Item
                  key={c.id}
                  data-ok={c.ok}
                  data-testid={`recover-check-${c.id}`}
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
            {!allOk && (
              <Alert color="red" data-testid="recover-checks-bad">
                {t('recover.putBack.checksBad')}
              </Alert>
            )}
            <ShowInFolder file={restored.file} />
          </Stack>
        </Card>
      )}

      <Group>
        <Button variant="default" onClick={onBack} data-testid="recover-back">
          {t('recover.back')}
        </Button>
        <Button disabled={!restored || !allOk} onClick={onNext} data-testid="recover-next">
          {t('recover.next')}
        </Button>
      </Group>
    </Stack>
  );
}

function Point({ point: p, newest }: { point: RestorePoint; newest: boolean }) {
  const { t } = useTranslation();
  return (
    <Radio.Card value={p.id} p="sm" radius="md" data-testid="recover-point" data-snapshot={p.id}>
      <Group wrap="nowrap" align="flex-start">
        <Radio.Indicator mt={4} />
        <Stack gap={2} style={{ flex: 1 }}>
          <Group gap="xs">
            <Text fw={700}>{formatTime(p.time)}</Text>
            <Badge variant="light" color={TRIGGER_COLOR[p.trigger]}>
              {t(`history.triggers.${p.trigger}`)}
            </Badge>
            {newest && (
              <Badge color="teal" data-testid="recover-newest-good">
                {t('recover.putBack.newest')}
              </Badge>
            )}
            {!p.complete && (
              <Badge color="orange" variant="light" data-testid="recover-partial">
                {t('recover.putBack.partial', {
                  types: formatList(p.types.map((ty) => t(`types.${ty}`))),
                })}
              </Badge>
            )}
          </Group>
          <Text size="sm">{summaryText(t, p.summary)}</Text>
        </Stack>
      </Group>
    </Radio.Card>
  );
}

function ShowInFolder({ file }: { file: string }) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Stack gap={4}>
      <Button
        size="xs"
        variant="light"
        w="fit-content"
        leftSection={<IconFolder size={14} />}
        onClick={() => {
          setError(null);
          call('shell:show-in-folder', { path: file }).catch((e: unknown) =>
            setError(e instanceof ApiError ? e : null),
          );
        }}
        data-testid="recover-show-in-folder"
      >
        {t('recover.putBack.showInFolder')}
      </Button>
      {error && <ErrorNote code={error.code} message={error.message} />}
    </Stack>
  );
}
