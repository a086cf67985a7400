/** Step 1: what happened. The answer picks the defaults of the next steps. */
import { Alert, Button, Group, Radio, Stack, Text } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Reason } from './wizard.js';

const REASONS: { id: Reason; key: string }[] = [
  { id: 'mistake', key: 'mistake' },
  { id: 'damaged', key: 'damaged' },
  { id: 'new-computer', key: 'newComputer' },
  { id: 'look', key: 'look' },
];

export function ReasonStep({
  value,
  onChange,
  onBack,
  onNext,
}: {
  value: Reason | null;
  onChange: (r: Reason) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Stack mt="md">
      <Text>{t('restore.reason.intro')}</Text>
      <Radio.Group
        value={value}
        onChange={(v) => onChange(v as Reason)}
        label={t('restore.steps.reason')}
        data-testid="restore-reasons"
      >
        <Stack gap="xs" mt="xs">
          {REASONS.map((r) => (
            <Radio.Card key={r.id} value={r.id} p="md" radius="md" data-testid={`reason-${r.id}`}>
              <Group wrap="nowrap" align="flex-start">
                <Radio.Indicator />
                <div>
                  <Text fw={600}>{t(`restore.reason.${r.key}`)}</Text>
                  <Text size="sm" c="dimmed">
                    {t(`restore.reason.${r.key}Hint`)}
                  </Text>
                </div>
              </Group>
            </Radio.Card>
          ))}
        </Stack>
      </Radio.Group>
      {value === 'new-computer' && (
        <Alert icon={<IconInfoCircle />} data-testid="new-computer-note">
          {t('restore.reason.newComputerNote')}
        </Alert>
      )}
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('restore.back')}
        </Button>
        <Button disabled={!value} onClick={onNext} data-testid="restore-next">
          {t('restore.next')}
        </Button>
      </Group>
    </Stack>
  );
}
