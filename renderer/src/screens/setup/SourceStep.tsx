/** Step 1: which database to back up. */
import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { IconDatabase, IconLifebuoy, IconSparkles } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Response } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatBytes, formatDateTime } from '../../i18n.js';

export function SourceStep({
  onChosen,
  onRecover,
}: {
  onChosen: (path: string) => void;
  /** The first-run welcome only: a new or repaired computer that already has backups. */
  onRecover?: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<'pick' | 'demo' | 'scan' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [candidates, setCandidates] = useState<Response<'setup:candidates'>['candidates'] | null>(
    null,
  );
  const run = async (what: typeof busy, fn: () => Promise<void>): Promise<void> => {
    setBusy(what);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack mt="md">
      <Text>{t('setup.source.intro')}</Text>
      <Group>
        <Button
          leftSection={<IconDatabase size={18} />}
          loading={busy === 'pick'}
          onClick={() =>
            void run('pick', async () => {
              const r = await call('dialog:pick-database', {});
              if (r.path) onChosen(r.path);
            })
          }
          data-testid="pick-database"
        >
          {t('setup.source.pick')}
        </Button>
        <Button
          variant="light"
          loading={busy === 'scan'}
          onClick={() =>
            void run('scan', async () =>
              setCandidates((await call('setup:candidates', {})).candidates),
            )
          }
        >
          {t('setup.source.search')}
        </Button>
        <Button
          variant="default"
          leftSection={<IconSparkles size={18} />}
          loading={busy === 'demo'}
          onClick={() =>
            void run('demo', async () => onChosen((await call('setup:demo-shop', {})).path))
          }
          data-testid="use-demo"
        >
          {t('setup.source.demo')}
        </Button>
      </Group>
      {onRecover && (
        <Card withBorder padding="md" data-testid="have-backups-card">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">{t('recover.welcome.text')}</Text>
            <Button
              variant="outline"
              leftSection={<IconLifebuoy size={18} />}
              onClick={onRecover}
              style={{ flexShrink: 0 }}
              data-testid="have-backups"
            >
              {t('setup.haveBackups')}
            </Button>
          </Group>
        </Card>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
      {candidates && candidates.length === 0 && (
        <Text c="dimmed">{t('setup.source.noneFound')}</Text>
      )}
      {candidates?.map((c) => (
        <Card key={c.path} withBorder padding="sm">
          <Group justify="space-between" wrap="nowrap">
            <Stack gap={2}>
              <Text fw={600}>{c.name}</Text>
              <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                {c.path}
              </Text>
              <Text size="sm">
                {formatBytes(c.bytes)} ·{' '}
                {t('setup.source.modified', { when: formatDateTime(c.modified) })}
              </Text>
              <Group gap={4}>
                {c.reasons.map((r) => (
                  <Badge key={r} variant="light" size="sm">
                    {t(`types.${r}`, { defaultValue: r })}
                  </Badge>
                ))}
              </Group>
            </Stack>
            <Button variant="light" onClick={() => onChosen(c.path)}>
              {t('setup.source.use')}
            </Button>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
