/**
 * The audit log: every place's log merged by main (audit:list), filtered by plan, kind and day,
 * and exported as CSV to a file chosen in main's save dialog (audit:export-csv).
 */
import { Alert, Button, Chip, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconFileSpreadsheet, IconFolder } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AUDIT_KINDS,
  type AuditFilter,
  type AuditKind,
  type JobView,
} from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatNumber } from '../../i18n.js';
import { AuditTable } from './AuditTable.js';
import { dayStart } from './words.js';

interface Choice {
  jobId: string | null;
  kinds: AuditKind[];
  /** "2026-05-02" from the date fields; '' for no limit. */
  from: string;
  to: string;
}

const EVERYTHING: Choice = { jobId: null, kinds: [], from: '', to: '' };

function filterOf(c: Choice): AuditFilter {
  return {
    ...(c.jobId ? { jobId: c.jobId } : {}),
    ...(c.kinds.length > 0 ? { kinds: c.kinds } : {}),
    ...(c.from ? { from: dayStart(c.from) } : {}),
    // "Until" names a day: up to the start of the day after.
    ...(c.to ? { to: dayStart(c.to, true) } : {}),
  };
}

export function Audit({ jobs }: { jobs: JobView[] }) {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<Choice>(EVERYTHING);
  const filter = filterOf(choice);
  const set = (change: Partial<Choice>): void => setChoice((c) => ({ ...c, ...change }));
  return (
    <Stack maw={1100}>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{t('audit.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('audit.intro')}
          </Text>
        </Stack>
        <Export filter={filter} />
      </Group>
      <Group align="flex-end" gap="md" data-testid="audit-filters">
        {jobs.length > 1 && (
          <Select
            label={t('audit.plan')}
            data={[
              { value: '', label: t('audit.allPlans') },
              ...jobs.map((j) => ({ value: j.id, label: j.name })),
            ]}
            value={choice.jobId ?? ''}
            onChange={(v) => set({ jobId: v || null })}
            allowDeselect={false}
            data-testid="audit-plan"
          />
        )}
        <TextInput
          type="date"
          label={t('audit.from')}
          value={choice.from}
          max={choice.to || undefined}
          onChange={(e) => set({ from: e.currentTarget.value })}
          data-testid="audit-from"
        />
        <TextInput
          type="date"
          label={t('audit.to')}
          value={choice.to}
          min={choice.from || undefined}
          onChange={(e) => set({ to: e.currentTarget.value })}
          data-testid="audit-to"
        />
        <Button
          variant="subtle"
          onClick={() => setChoice(EVERYTHING)}
          disabled={JSON.stringify(choice) === JSON.stringify(EVERYTHING)}
          data-testid="audit-clear"
        >
          {t('audit.clear')}
        </Button>
      </Group>
      <Stack gap={6}>
        <Text size="sm" fw={500} id="audit-kinds-label">
          {t('audit.kinds')}
        </Text>
        <Chip.Group
          multiple
          value={choice.kinds}
          onChange={(v) => set({ kinds: v as AuditKind[] })}
        >
          <Group gap={6} role="group" aria-labelledby="audit-kinds-label">
            {AUDIT_KINDS.map((k) => (
              <Chip key={k} value={k} size="sm" data-testid={`audit-kind-${k}`}>
                {t(`audit.kind.${k}`)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
      </Stack>
      {/* A new filter is a new list: loaded afresh, never mixed with the one before. */}
      <AuditTable key={JSON.stringify(filter)} filter={filter} severalPlans={jobs.length > 1} />
    </Stack>
  );
}

/** "Export CSV…": main asks where, writes the file, and says where it is. */
function Export({ filter }: { filter: AuditFilter }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<{ file: string; rows: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const run = (): void => {
    setBusy(true);
    setError(null);
    call('audit:export-csv', filter)
      .then((r) => setSaved(r.file ? { file: r.file, rows: r.rows } : null))
      .catch((e: unknown) => setError(e instanceof ApiError ? e : null))
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap={6} align="flex-end">
      <Button
        leftSection={<IconFileSpreadsheet size={16} />}
        onClick={run}
        loading={busy}
        data-testid="audit-export"
      >
        {t('audit.export')}
      </Button>
      {saved && (
        <Alert color="teal" data-testid="audit-exported" maw={420}>
          <Stack gap={6}>
            <Text size="sm">
              {t('audit.exported', {
                count: saved.rows,
                n: formatNumber(saved.rows),
                file: isolate(saved.file.split(/[\\/]/).pop() ?? saved.file),
              })}
            </Text>
            <Button
              size="xs"
              variant="light"
              w="fit-content"
              leftSection={<IconFolder size={14} />}
              onClick={() =>
                call('shell:show-in-folder', { path: saved.file }).catch((e: unknown) =>
                  setError(e instanceof ApiError ? e : null),
                )
              }
              data-testid="audit-show-csv"
            >
              {t('audit.showInFolder')}
            </Button>
          </Stack>
        </Alert>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
    </Stack>
  );
}
