/** Step 3: what to put back — everything, chosen data types, or chosen records. */
import { Alert, Button, Checkbox, Group, Radio, Stack, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isolate } from '../../bidi.js';
import { errorText } from '../../components/ErrorNote.js';
import { formatNumber } from '../../i18n.js';
import { RecordPicker } from './RecordPicker.js';
import { liveUsable, whatOf, type Choice, type DataType, type Opened } from './wizard.js';

export function WhatStep({
  opened,
  choice,
  onChange,
  onBack,
  onNext,
}: {
  opened: Opened;
  choice: Choice;
  onChange: (c: Choice) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const usable = liveUsable(opened);
  const path = isolate(opened.live.path);
  return (
    <Stack mt="md">
      {!opened.live.exists && (
        <Alert color="orange" data-testid="live-missing">
          {t('restore.what.liveMissing', { path })}
        </Alert>
      )}
      {opened.live.exists && opened.live.problem && (
        <Alert color="orange" data-testid="live-problem">
          {t('restore.what.liveProblem', { path, problem: errorText(t, opened.live.problem.code) })}
        </Alert>
      )}
      <Radio.Group
        value={choice.kind}
        onChange={(v) => onChange({ ...choice, kind: v as Choice['kind'] })}
        label={t('restore.what.question')}
      >
        <Stack gap="xs" mt="xs">
          <Radio value="all" label={t('restore.what.all')} data-testid="what-all" />
          <Radio
            value="types"
            label={t('restore.what.types')}
            disabled={!usable}
            data-testid="what-types"
          />
          <Radio
            value="records"
            label={t('restore.what.records')}
            disabled={!usable}
            data-testid="what-records"
          />
        </Stack>
      </Radio.Group>
      {choice.kind === 'types' && (
        <Checkbox.Group
          value={choice.types}
          onChange={(v) => onChange({ ...choice, types: v as DataType[] })}
          label={t('restore.what.typesLabel')}
        >
          <Table withTableBorder mt="xs" data-testid="what-types-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('setup.types.type')}</Table.Th>
                <Table.Th>{t('restore.what.rowsThen')}</Table.Th>
                <Table.Th>{t('restore.what.rowsNow')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {opened.types.map((ty) => (
                <Table.Tr key={ty.type}>
                  <Table.Td>
                    <Checkbox
                      value={ty.type}
                      label={t(`types.${ty.type}`)}
                      data-testid={`what-type-${ty.type}`}
                    />
                  </Table.Td>
                  <Table.Td>{formatNumber(ty.rowsThen)}</Table.Td>
                  <Table.Td>{ty.rowsNow === null ? '—' : formatNumber(ty.rowsNow)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Checkbox.Group>
      )}
      {choice.kind === 'records' && (
        <RecordPicker
          sessionId={opened.sessionId}
          types={opened.types.map((x) => x.type)}
          chosen={choice.records}
          onChosen={(records) => onChange({ ...choice, records })}
        />
      )}
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('restore.back')}
        </Button>
        <Button disabled={!whatOf(choice)} onClick={onNext} data-testid="restore-next">
          {t('restore.next')}
        </Button>
      </Group>
    </Stack>
  );
}
