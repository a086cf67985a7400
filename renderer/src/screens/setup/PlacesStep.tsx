/** Step 3: where the backups go. */
import { Alert, Badge, Button, Card, Checkbox, Group, Stack, Text } from '@mantine/core';
import { IconFolderPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatBytes } from '../../i18n.js';
import type { Place } from './types.js';

export function PlacesStep({
  source,
  onBack,
  onNext,
}: {
  source: string;
  onBack: () => void;
  onNext: (p: Place[]) => void;
}) {
  const { t } = useTranslation();
  const [sameDisk, setSameDisk] = useState<string[]>([]);
  const suggested = useLoad(() => call('setup:suggest-places', {}));
  const [added, setAdded] = useState<Place[]>([]);
  const [picked, setPicked] = useState<string[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const offered = [...(suggested.data?.places ?? []), ...added];
  // The first suggestion is ticked until the owner changes the choice.
  const chosen = picked ?? (suggested.data?.places ?? []).slice(0, 1).map((p) => p.path);
  const folders = offered
    .filter((p) => p.kind === 'folder' && chosen.includes(p.path))
    .map((p) => p.path)
    .join('\n');
  // A folder on the database's own disk does not survive that disk: say so while choosing.
  useEffect(() => {
    let live = true;
    const places = folders ? folders.split('\n') : [];
    call('setup:check-places', { source, places }).then(
      (r) => live && setSameDisk(r.places.filter((p) => p.sameDiskAsSource).map((p) => p.path)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [source, folders]);
  const addFolder = async (): Promise<void> => {
    try {
      const r = await call('dialog:pick-folder', {});
      if (!r.path) return;
      const path = r.path;
      setAdded((o) =>
        offered.some((p) => p.path === path)
          ? o
          : [
              ...o,
              {
                kind: 'folder',
                label: path.split(/[\\/]/).filter(Boolean).pop() ?? path,
                path,
                freeBytes: null,
              },
            ],
      );
      setPicked(chosen.includes(path) ? chosen : [...chosen, path]);
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  };
  return (
    <Stack mt="md">
      <Text>{t('setup.places.intro')}</Text>
      <Checkbox.Group value={chosen} onChange={setPicked}>
        <Stack gap="xs">
          {offered.map((p) => (
            <Card key={p.path} withBorder padding="sm">
              <Checkbox
                value={p.path}
                label={
                  <Stack gap={0}>
                    <Text fw={600}>
                      {p.label}{' '}
                      <Badge size="xs" variant="light">
                        {t(`setup.places.kind.${p.kind}`)}
                      </Badge>
                    </Text>
                    <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                      {p.path}
                    </Text>
                    {p.freeBytes !== null && (
                      <Text size="xs">
                        {t('setup.places.free', { size: formatBytes(p.freeBytes) })}
                      </Text>
                    )}
                    {p.clientRunning === false && (
                      <Text size="xs" c="orange.8" data-testid="sync-stopped">
                        {t('setup.places.syncStopped', { name: p.label })}
                      </Text>
                    )}
                  </Stack>
                }
              />
            </Card>
          ))}
        </Stack>
      </Checkbox.Group>
      <Button
        variant="light"
        leftSection={<IconFolderPlus size={18} />}
        onClick={() => void addFolder()}
        w="fit-content"
        data-testid="add-folder"
      >
        {t('setup.places.addFolder')}
      </Button>
      {offered
        .filter((p) => sameDisk.includes(p.path) && chosen.includes(p.path))
        .map((p) => (
          <Alert key={p.path} color="yellow" data-testid="same-disk">
            {t('setup.places.sameDisk', { label: p.label })}
          </Alert>
        ))}
      {chosen.length === 1 && <Alert color="blue">{t('setup.places.oneOnly')}</Alert>}
      {(error ?? suggested.error) && (
        <ErrorNote
          code={(error ?? suggested.error)!.code}
          message={(error ?? suggested.error)!.message}
        />
      )}
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('setup.back')}
        </Button>
        <Button
          disabled={chosen.length === 0}
          onClick={() => onNext(offered.filter((p) => chosen.includes(p.path)))}
          data-testid="setup-next"
        >
          {t('setup.next')}
        </Button>
      </Group>
    </Stack>
  );
}
