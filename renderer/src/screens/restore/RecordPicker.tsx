/**
 * Chosen records: search the backup by name, card number, phone, SKU, barcode or key, look at a
 * record then and now, and pick the ones to put back.
 */
import {
  Button,
  Checkbox,
  Group,
  NativeSelect,
  Pill,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordMatch } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatNumber } from '../../i18n.js';
import { RecordDetail } from './RecordDetail.js';
import type { ChosenRecord, DataType } from './wizard.js';

const same = (a: ChosenRecord, table: string, key: string): boolean =>
  a.table === table && a.key === key;

export function RecordPicker({
  sessionId,
  types,
  chosen,
  onChosen,
}: {
  sessionId: string;
  types: DataType[];
  chosen: ChosenRecord[];
  onChosen: (records: ChosenRecord[]) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [type, setType] = useState<DataType | ''>('');
  const [matches, setMatches] = useState<RecordMatch[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [shown, setShown] = useState<{ table: string; key: string } | null>(null);

  const search = (): void => {
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    call('restore:find-records', { sessionId, text: text.trim(), type: type || null })
      .then(
        (r) => setMatches(r.matches),
        (e: unknown) => setError(e instanceof ApiError ? e : null),
      )
      .finally(() => setBusy(false));
  };
  const toggle = (m: RecordMatch, on: boolean): void => {
    const key = String(m.key);
    const rest = chosen.filter((c) => !same(c, m.table, key));
    onChosen(on ? [...rest, { table: m.table, key, label: m.label }] : rest);
  };

  return (
    <Stack data-testid="record-picker">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
      >
        <Group align="flex-end">
          <TextInput
            label={t('restore.records.find')}
            placeholder={t('restore.records.findHint')}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            style={{ flex: 1 }}
            data-testid="record-search"
          />
          <NativeSelect
            label={t('restore.records.type')}
            value={type}
            onChange={(e) => setType(e.currentTarget.value as DataType | '')}
            data={[
              { value: '', label: t('restore.records.anyType') },
              ...types.map((ty) => ({ value: ty, label: t(`types.${ty}`) })),
            ]}
            data-testid="record-type"
          />
          <Button
            type="submit"
            leftSection={<IconSearch size={16} />}
            loading={busy}
            disabled={!text.trim()}
            data-testid="record-search-go"
          >
            {t('restore.records.search')}
          </Button>
        </Group>
      </form>
      {error && <ErrorNote code={error.code} message={error.message} />}
      {matches && matches.length === 0 && <Text c="dimmed">{t('restore.records.none')}</Text>}
      {matches && matches.length > 0 && (
        <Table striped data-testid="record-results">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('restore.records.pick')}</Table.Th>
              <Table.Th>{t('restore.records.record')}</Table.Th>
              <Table.Th>{t('restore.records.table')}</Table.Th>
              <Table.Th>{t('restore.records.matched')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {matches.map((m) => {
              const key = String(m.key);
              return (
                <Table.Tr key={`${m.table}/${key}`} data-testid="record-result" data-key={key}>
                  <Table.Td>
                    <Checkbox
                      aria-label={t('restore.records.pickOne', { label: m.label })}
                      checked={chosen.some((c) => same(c, m.table, key))}
                      onChange={(e) => toggle(m, e.currentTarget.checked)}
                      data-testid="record-pick"
                    />
                  </Table.Td>
                  <Table.Td>
                    <bdi>{m.label}</bdi>{' '}
                    <Text span size="sm" c="dimmed" dir="ltr">
                      #{key}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed" dir="ltr">
                      {m.table}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed" dir="ltr">
                      {m.matched}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => setShown({ table: m.table, key })}
                      data-testid="record-show"
                    >
                      {t('restore.records.show')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {shown && (
        <RecordDetail
          key={`${shown.table}/${shown.key}`}
          sessionId={sessionId}
          table={shown.table}
          recordKey={shown.key}
          onClose={() => setShown(null)}
        />
      )}
      {chosen.length > 0 && (
        <Group gap="xs" data-testid="record-chosen">
          <Text fw={600}>
            {t('restore.records.chosen', { count: chosen.length, n: formatNumber(chosen.length) })}
          </Text>
          {chosen.map((c) => (
            <Pill
              key={`${c.table}/${c.key}`}
              withRemoveButton
              onRemove={() => onChosen(chosen.filter((x) => x !== c))}
              removeButtonProps={{ 'aria-label': t('restore.records.unpick', { label: c.label }) }}
            >
              {isolate(c.label)}
            </Pill>
          ))}
        </Group>
      )}
    </Stack>
  );
}
