/**
 * One backup place of a plan in Settings. A USB drive place also lists the sticks it rotates
 * between, takes another one ("Add another USB stick") and may be ejected after each backup.
 */
import { Badge, Button, Group, Modal, Stack, Switch, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DestinationView, JobView, Response } from '../../../main/ipc/contract.js';
import { ApiError, call } from '../api.js';
import { formatBytes, formatList } from '../i18n.js';
import { ErrorNote } from './ErrorNote.js';

type Offered = Response<'setup:suggest-places'>['places'][number];

export function PlaceSettings({
  job,
  place,
  onChanged,
}: {
  job: JobView;
  place: DestinationView;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  const [choosing, setChoosing] = useState<Offered[] | null>(null);
  const [adding, setAdding] = useState<string | null>(null);
  const fail = (e: unknown): void => setError(e instanceof ApiError ? e : null);

  const openChooser = (): void => {
    setError(null);
    call('setup:suggest-places', {}).then(
      (r) => setChoosing(r.places.filter((p) => p.kind === 'removable')),
      fail,
    );
  };
  const add = (stick: Offered): void => {
    setAdding(stick.path);
    call('places:add-stick', { jobId: job.id, destinationId: place.id, path: stick.path })
      .then(() => {
        setChoosing(null);
        onChanged();
      }, fail)
      .finally(() => setAdding(null));
  };
  const known = new Set((place.sticks ?? []).map((k) => k.label));

  return (
    <Stack gap={4} data-testid="place-settings">
      <Text size="sm" style={{ wordBreak: 'break-all' }}>
        <Badge size="xs" variant="light">
          {t(`setup.places.kind.${place.kind}`)}
        </Badge>{' '}
        <Text span fw={600}>
          {place.label}
        </Text>{' '}
        — {place.path}
      </Text>
      {place.kind === 'removable' && (
        <Stack gap={4} ps="md">
          {(place.sticks?.length ?? 0) > 0 && (
            <Text size="sm" data-testid="place-sticks">
              {t('settings.sticks.list', {
                count: place.sticks!.length,
                sticks: formatList(place.sticks!.map((k) => k.label)),
              })}
            </Text>
          )}
          <Group>
            <Button size="xs" variant="light" onClick={openChooser} data-testid="add-stick">
              {t('settings.sticks.add')}
            </Button>
            <Switch
              size="sm"
              label={t('settings.sticks.eject')}
              checked={place.ejectWhenDone ?? false}
              onChange={(e) =>
                void call('places:update', {
                  jobId: job.id,
                  destinationId: place.id,
                  ejectWhenDone: e.currentTarget.checked,
                }).then(onChanged, fail)
              }
            />
          </Group>
        </Stack>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Modal
        opened={choosing !== null}
        onClose={() => setChoosing(null)}
        title={t('settings.sticks.addTitle')}
      >
        <Stack>
          <Text size="sm">{t('settings.sticks.addHelp')}</Text>
          {choosing?.length === 0 && <Text c="dimmed">{t('settings.sticks.none')}</Text>}
          {choosing?.map((s) => (
            <Button
              key={s.path}
              variant="default"
              justify="space-between"
              disabled={known.has(s.label)}
              loading={adding === s.path}
              onClick={() => add(s)}
              rightSection={s.freeBytes !== null ? formatBytes(s.freeBytes) : null}
            >
              {s.label}
            </Button>
          ))}
          {error && <ErrorNote code={error.code} message={error.message} />}
        </Stack>
      </Modal>
    </Stack>
  );
}
