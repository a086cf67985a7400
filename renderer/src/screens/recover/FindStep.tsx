/**
 * Step 1: the backups, found by themselves on USB drives, in cloud folders and in Documents;
 * or in a folder the owner picks (a parent folder, or the backups' own folder).
 */
import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, ThemeIcon } from '@mantine/core';
import {
  IconCloud,
  IconFolder,
  IconFolderSearch,
  IconLock,
  IconLockOpen,
  IconRefresh,
  IconUsb,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatAgo, formatDateTime, formatNumber } from '../../i18n.js';
import type { Found, Search } from './recover.js';

const KIND_ICON = {
  removable: <IconUsb size={20} />,
  cloud: <IconCloud size={20} />,
  folder: <IconFolder size={20} />,
} as const;

export function FindStep({
  search,
  onSearch,
  onChoose,
  onBack,
}: {
  search: Search | null;
  onSearch: (s: Search) => void;
  onChoose: (f: Found) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<'search' | 'folder' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const failed = (e: unknown): void =>
    setError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }));

  const run = async (what: 'search' | 'folder'): Promise<void> => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'folder') {
        const { path } = await call('dialog:pick-folder', {});
        if (!path) return;
        onSearch({ found: (await call('recover:find', { roots: [path] })).found, folder: path });
      } else {
        onSearch({ found: (await call('recover:find', { roots: [] })).found, folder: null });
      }
    } catch (e) {
      failed(e);
    } finally {
      setBusy(null);
    }
  };

  // The first look happens by itself; coming back to this step keeps what was found.
  useEffect(() => {
    if (search) return;
    let live = true;
    call('recover:find', { roots: [] }).then(
      (r) => {
        if (live) onSearch({ found: r.found, folder: null });
      },
      (e: unknown) => {
        if (live) failed(e);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const looking = !search && !error;

  return (
    <Stack mt="md">
      <Text>{t('recover.find.intro')}</Text>
      {error && <ErrorNote code={error.code} message={error.message} />}
      {looking && (
        <Group gap="xs" data-testid="recover-finding">
          <Loader size="sm" />
          <Text>{t('recover.find.looking')}</Text>
        </Group>
      )}
      {search?.folder && (
        <Text size="sm" c="dimmed">
          {t('recover.find.inFolder', { folder: isolate(search.folder) })}
        </Text>
      )}
      {search && search.found.length === 0 && (
        <Alert color="orange" title={t('recover.find.noneTitle')} data-testid="recover-none">
          {t(search.folder ? 'recover.find.noneInFolder' : 'recover.find.none')}
        </Alert>
      )}
      {search?.found.map((f) => (
        <FoundCard key={f.path} found={f} onChoose={() => onChoose(f)} />
      ))}
      <Group>
        <Button
          variant="light"
          leftSection={<IconRefresh size={18} />}
          loading={busy === 'search'}
          disabled={busy !== null}
          onClick={() => void run('search')}
          data-testid="recover-search-again"
        >
          {t('recover.find.again')}
        </Button>
        <Button
          variant="light"
          leftSection={<IconFolderSearch size={18} />}
          loading={busy === 'folder'}
          disabled={busy !== null}
          onClick={() => void run('folder')}
          data-testid="recover-look-folder"
        >
          {t('recover.find.folder')}
        </Button>
      </Group>
      <Group>
        <Button variant="default" onClick={onBack} data-testid="recover-back">
          {t('recover.back')}
        </Button>
      </Group>
    </Stack>
  );
}

function FoundCard({ found: f, onChoose }: { found: Found; onChoose: () => void }) {
  const { t } = useTranslation();
  return (
    <Card withBorder padding="md" data-testid="recover-found" data-path={f.path}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Group wrap="nowrap" align="flex-start">
          <ThemeIcon variant="light" size="lg" radius="md" aria-hidden>
            {KIND_ICON[f.where.kind]}
          </ThemeIcon>
          <Stack gap={2}>
            <Group gap="xs">
              <Text fw={700}>
                {t(`recover.find.where.${f.where.kind}`, { label: isolate(f.where.label) })}
              </Text>
              {f.encrypted ? (
                <Badge variant="light" color="teal" leftSection={<IconLock size={12} />}>
                  {t('recover.find.encrypted')}
                </Badge>
              ) : (
                <Badge
                  variant="light"
                  color="orange"
                  leftSection={<IconLockOpen size={12} />}
                  data-testid="recover-not-encrypted"
                >
                  {t('recover.find.notEncrypted')}
                </Badge>
              )}
            </Group>
            <Text size="sm">
              {f.newestAt
                ? t('recover.find.newest', {
                    when: formatDateTime(f.newestAt),
                    ago: formatAgo(f.newestAt),
                  })
                : t('recover.find.empty')}
            </Text>
            <Text size="sm">
              {t('recover.find.backups', { count: f.backups, n: formatNumber(f.backups) })}
            </Text>
            <Text size="xs" c="dimmed">
              <bdi dir="ltr" style={{ wordBreak: 'break-all' }}>
                {f.path}
              </bdi>
            </Text>
          </Stack>
        </Group>
        <Button onClick={onChoose} disabled={f.backups === 0} data-testid="recover-use">
          {t('recover.find.use')}
        </Button>
      </Group>
    </Card>
  );
}
