/** Step 2: which data types, with how each table was classified. */
import {
  Accordion,
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  NativeSelect,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DATA_TYPE_NAMES } from '../../../../main/ipc/contract.js';
import { call } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatBytes, formatNumber } from '../../i18n.js';
import type { DataType } from './types.js';
import { whyText } from './why.js';

export function TypesStep({
  source,
  onBack,
  onNext,
}: {
  source: string;
  onBack: () => void;
  onNext: (types: DataType[], overrides: Record<string, DataType>) => void;
}) {
  const { t } = useTranslation();
  const describing = useLoad(() => call('setup:describe-source', { path: source }));
  const described = describing.data;
  const error = describing.error;
  const [excluded, setExcluded] = useState<DataType[]>([]);
  const [overrides, setOverrides] = useState<Record<string, DataType>>({});
  const byType = useMemo(() => {
    const m = new Map<DataType, { tables: string[]; rows: number; bytes: number }>();
    for (const tb of described?.tables ?? []) {
      const type = overrides[tb.table] ?? tb.type;
      const e = m.get(type) ?? { tables: [], rows: 0, bytes: 0 };
      e.tables.push(tb.table);
      e.rows += tb.rows;
      e.bytes += tb.bytes ?? 0;
      m.set(type, e);
    }
    return m;
  }, [described, overrides]);
  const present = DATA_TYPE_NAMES.filter((ty) => byType.has(ty));
  const chosen = present.filter((ty) => !excluded.includes(ty));

  if (error) {
    return (
      <Stack mt="md">
        <ErrorNote code={error.code} message={error.message} />
        <Button variant="default" onClick={onBack} w="fit-content">
          {t('setup.back')}
        </Button>
      </Stack>
    );
  }
  if (!described) {
    return (
      <Group mt="md">
        <Loader size="sm" />
        <Text>{t('setup.types.reading')}</Text>
      </Group>
    );
  }
  return (
    <Stack mt="md">
      <Text>{t('setup.types.intro', { size: formatBytes(described.bytes) })}</Text>
      <Checkbox.Group
        value={chosen}
        onChange={(v) => setExcluded(present.filter((p) => !v.includes(p)))}
      >
        <Table withTableBorder verticalSpacing="sm" data-testid="types-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('setup.types.type')}</Table.Th>
              <Table.Th>{t('setup.types.rows')}</Table.Th>
              <Table.Th>{t('setup.types.size')}</Table.Th>
              <Table.Th>{t('setup.types.tables')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {present.map((ty) => {
              const e = byType.get(ty)!;
              return (
                <Table.Tr key={ty}>
                  <Table.Td>
                    <Checkbox value={ty} label={t(`types.${ty}`)} />
                  </Table.Td>
                  <Table.Td>{formatNumber(e.rows)}</Table.Td>
                  <Table.Td>{formatBytes(e.bytes)}</Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {e.tables.join(', ')}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Checkbox.Group>
      {chosen.length < byType.size && chosen.length > 0 && (
        <Alert color="yellow">{t('setup.types.partialWarning')}</Alert>
      )}
      <Accordion variant="contained">
        <Accordion.Item value="tables">
          <Accordion.Control data-testid="sort-tables">
            {t('setup.types.sortTitle')}
          </Accordion.Control>
          <Accordion.Panel>
            <Text size="sm" c="dimmed" mb="xs">
              {t('setup.types.sortIntro')}
            </Text>
            <Table verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('setup.types.tables')}</Table.Th>
                  <Table.Th>{t('setup.types.rows')}</Table.Th>
                  <Table.Th>{t('setup.types.whyHeader')}</Table.Th>
                  <Table.Th>{t('setup.types.type')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {described.tables.map((tb) => (
                  <Table.Tr key={tb.table}>
                    <Table.Td dir="ltr">{tb.table}</Table.Td>
                    <Table.Td>{formatNumber(tb.rows)}</Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed" data-testid={`why-${tb.table}`}>
                        {overrides[tb.table] ? t('setup.types.why.owner') : whyText(t, tb.why)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <NativeSelect
                        aria-label={tb.table}
                        data-testid={`type-of-${tb.table}`}
                        value={overrides[tb.table] ?? tb.type}
                        data={DATA_TYPE_NAMES.map((ty) => ({ value: ty, label: t(`types.${ty}`) }))}
                        onChange={(e) => {
                          const type = e.currentTarget.value as DataType;
                          setOverrides(({ [tb.table]: _, ...rest }) =>
                            type === tb.type ? rest : { ...rest, [tb.table]: type },
                          );
                        }}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Accordion.Panel>
        </Accordion.Item>
      </Accordion>
      <Group>
        <Button variant="default" onClick={onBack}>
          {t('setup.back')}
        </Button>
        <Button
          disabled={chosen.length === 0}
          onClick={() => onNext(chosen, overrides)}
          data-testid="setup-next"
        >
          {t('setup.next')}
        </Button>
      </Group>
    </Stack>
  );
}
