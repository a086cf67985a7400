/** A preview in shop words: the warnings, rows per data type, and each table with examples. */
import { Accordion, Alert, Badge, Group, List, Stack, Table, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { isolate } from '../../bidi.js';
import { formatNumber } from '../../i18n.js';
import { warningText } from './words.js';
import type { Preview } from './wizard.js';

const KIND_COLOR = { back: 'teal', gone: 'red', changed: 'yellow' } as const;

export function PreviewSummary({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  const touched = preview.tables.filter((x) => x.added + x.removed + x.changed > 0);
  return (
    <Stack data-testid="preview">
      {preview.warnings.map((w, i) => (
        <Alert
          key={`${w.kind}-${i}`}
          color="orange"
          icon={<IconAlertTriangle />}
          data-testid="preview-warning"
          data-kind={w.kind}
        >
          {warningText(t, w)}
        </Alert>
      ))}
      <Table withTableBorder data-testid="preview-types">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('setup.types.type')}</Table.Th>
            <Table.Th>{t('restore.preview.rowsNow')}</Table.Th>
            <Table.Th>{t('restore.preview.rowsAfter')}</Table.Th>
            <Table.Th>{t('restore.preview.back')}</Table.Th>
            <Table.Th>{t('restore.preview.gone')}</Table.Th>
            <Table.Th>{t('restore.preview.changed')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {preview.types.map((ty) => (
            <Table.Tr key={ty.type} data-testid={`preview-type-${ty.type}`}>
              <Table.Td>{t(`types.${ty.type}`)}</Table.Td>
              <Table.Td>{formatNumber(ty.rowsNow)}</Table.Td>
              <Table.Td>{formatNumber(ty.rowsAfter)}</Table.Td>
              <Table.Td data-testid="preview-back">{formatNumber(ty.added)}</Table.Td>
              <Table.Td data-testid="preview-gone">{formatNumber(ty.removed)}</Table.Td>
              <Table.Td data-testid="preview-changed">{formatNumber(ty.changed)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {touched.length === 0 ? (
        <Text c="dimmed" data-testid="preview-nothing">
          {t('restore.preview.nothing')}
        </Text>
      ) : (
        <Accordion variant="contained" multiple>
          {touched.map((tb) => (
            <Accordion.Item key={tb.table} value={tb.table}>
              <Accordion.Control data-testid="preview-table">
                <Group gap="xs">
                  <Text span dir="ltr" fw={600}>
                    {tb.table}
                  </Text>
                  <Text span size="sm" c="dimmed">
                    {t('restore.preview.tableCounts', {
                      back: formatNumber(tb.added),
                      gone: formatNumber(tb.removed),
                      changed: formatNumber(tb.changed),
                    })}
                  </Text>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <List spacing={4}>
                  {tb.examples.map((ex, i) => (
                    <List.Item key={`${String(ex.key)}-${i}`}>
                      <Badge size="sm" variant="light" color={KIND_COLOR[ex.kind]}>
                        {t(`restore.preview.kind.${ex.kind}`)}
                      </Badge>{' '}
                      <bdi>{ex.label}</bdi>
                      {ex.fields?.map((f) => (
                        <Text key={f.column} size="sm" c="dimmed" data-testid="preview-field">
                          <bdi dir="ltr">{f.column}</bdi>
                          {': '}
                          {t('restore.preview.field', {
                            now: isolate(String(f.now ?? '—')),
                            then: isolate(String(f.then ?? '—')),
                          })}
                        </Text>
                      ))}
                    </List.Item>
                  ))}
                </List>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
    </Stack>
  );
}
