/**
 * Step 5: keep today's sales. Rows added since the backup in the chosen data types are taken
 * from the database before the restore and put back after it; the preview shows the effect.
 */
import { Button, Checkbox, Group, Loader, Stack, Switch, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RestoreWhat } from '../../../../main/ipc/contract.js';
import { call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useLoad } from '../../hooks.js';
import { PreviewSummary } from './PreviewSummary.js';
import type { DataType } from './wizard.js';

export function KeepStep({
  sessionId,
  what,
  types,
  on,
  keepTypes,
  onChange,
  onBack,
  onNext,
}: {
  sessionId: string;
  what: RestoreWhat;
  types: DataType[];
  on: boolean;
  keepTypes: DataType[];
  onChange: (on: boolean, types: DataType[]) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const keepNew = on && keepTypes.length ? keepTypes : null;
  return (
    <Stack mt="md">
      <Text>{t('restore.keep.intro')}</Text>
      <Switch
        size="md"
        checked={on}
        onChange={(e) => onChange(e.currentTarget.checked, keepTypes)}
        label={t('restore.keep.switch')}
        data-testid="keep-new"
      />
      {on && (
        <Checkbox.Group
          value={keepTypes}
          onChange={(v) => onChange(on, v as DataType[])}
          label={t('restore.keep.which')}
        >
          <Group mt="xs">
            {types.map((ty) => (
              <Checkbox
                key={ty}
                value={ty}
                label={t(`types.${ty}`)}
                data-testid={`keep-type-${ty}`}
              />
            ))}
          </Group>
        </Checkbox.Group>
      )}
      <Text size="sm" c="dimmed">
        {t('restore.keep.clashes')}
      </Text>
      <KeepPreview
        key={JSON.stringify(keepNew)}
        sessionId={sessionId}
        what={what}
        keepNew={keepNew}
      />
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('restore.back')}
        </Button>
        <Button onClick={onNext} data-testid="restore-next">
          {t('restore.next')}
        </Button>
      </Group>
    </Stack>
  );
}

function KeepPreview(props: { sessionId: string; what: RestoreWhat; keepNew: DataType[] | null }) {
  const { t } = useTranslation();
  const preview = useLoad(() => call('restore:preview', props));
  if (preview.error) return <ErrorNote code={preview.error.code} message={preview.error.message} />;
  if (!preview.data) {
    return (
      <Group gap="xs">
        <Loader size="sm" />
        <Text>{t('restore.preview.working')}</Text>
      </Group>
    );
  }
  return <PreviewSummary preview={preview.data} />;
}
