/**
 * First-time setup, also "Add backup": the database, what to keep, where, the passphrase and
 * recovery key, when, then a review that runs the first backup.
 */
import {
  Accordion,
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Loader,
  NativeSelect,
  PasswordInput,
  Progress,
  Stack,
  Stepper,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconDatabase, IconFolderPlus, IconPrinter, IconSparkles } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Response, Schedule } from '../../../../main/ipc/contract.js';
import { DATA_TYPE_NAMES } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { SchedulePicker } from '../../components/SchedulePicker.js';
import { passphraseStrength } from '../../strength.js';
import { formatBytes, formatDateTime, formatList, formatNumber } from '../../i18n.js';

type DataType = (typeof DATA_TYPE_NAMES)[number];
type Place = Response<'setup:suggest-places'>['places'][number];
type Created = Response<'jobs:create'>;

export function Setup({ first: firstJob, onDone }: { first: boolean; onDone: () => void }) {
  const { t } = useTranslation();
  // Creating the job mid-way must not turn "Welcome" into "Add a backup".
  const [first] = useState(firstJob);
  const [step, setStep] = useState(0);
  const [source, setSource] = useState<string | null>(null);
  const [types, setTypes] = useState<DataType[]>([]);
  const [overrides, setOverrides] = useState<Record<string, DataType>>({});
  const [places, setPlaces] = useState<Place[]>([]);
  const [created, setCreated] = useState<Created | null>(null);
  const [schedule, setSchedule] = useState<Schedule>({ preset: 'nightly', time: '23:00' });

  return (
    <Stack maw={900} gap="lg">
      <Title order={2}>{first ? t('setup.welcome') : t('setup.addTitle')}</Title>
      <Stepper active={step} size="sm" allowNextStepsSelect={false}>
        <Stepper.Step label={t('setup.steps.source')}>
          <SourceStep
            onChosen={(p) => {
              setSource(p);
              setStep(1);
            }}
          />
        </Stepper.Step>
        <Stepper.Step label={t('setup.steps.types')}>
          {source && (
            <TypesStep
              key={source}
              source={source}
              onBack={() => setStep(0)}
              onNext={(chosen, sorted) => {
                setTypes(chosen);
                setOverrides(sorted);
                setStep(2);
              }}
            />
          )}
        </Stepper.Step>
        <Stepper.Step label={t('setup.steps.places')}>
          {source && (
            <PlacesStep
              source={source}
              onBack={() => setStep(1)}
              onNext={(chosen) => {
                setPlaces(chosen);
                setStep(3);
              }}
            />
          )}
        </Stepper.Step>
        <Stepper.Step label={t('setup.steps.protect')}>
          {source && (
            <ProtectStep
              source={source}
              types={types}
              overrides={overrides}
              places={places}
              created={created}
              onCreated={setCreated}
              onBack={() => setStep(2)}
              onNext={() => setStep(4)}
            />
          )}
        </Stepper.Step>
        <Stepper.Step label={t('setup.steps.when')}>
          {created && (
            <WhenStep
              jobId={created.job.id}
              value={schedule}
              onChange={setSchedule}
              onNext={() => setStep(5)}
            />
          )}
        </Stepper.Step>
        <Stepper.Step label={t('setup.steps.review')}>
          {created && <ReviewStep created={created} types={types} onDone={onDone} />}
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}

function SourceStep({ onChosen }: { onChosen: (path: string) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<'pick' | 'demo' | 'scan' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [candidates, setCandidates] = useState<Response<'setup:candidates'>['candidates'] | null>(
    null,
  );
  const run = async (what: typeof busy, fn: () => Promise<void>): Promise<void> => {
    setBusy(what);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack mt="md">
      <Text>{t('setup.source.intro')}</Text>
      <Group>
        <Button
          leftSection={<IconDatabase size={18} />}
          loading={busy === 'pick'}
          onClick={() =>
            void run('pick', async () => {
              const r = await call('dialog:pick-database', {});
              if (r.path) onChosen(r.path);
            })
          }
          data-testid="pick-database"
        >
          {t('setup.source.pick')}
        </Button>
        <Button
          variant="light"
          loading={busy === 'scan'}
          onClick={() =>
            void run('scan', async () =>
              setCandidates((await call('setup:candidates', {})).candidates),
            )
          }
        >
          {t('setup.source.search')}
        </Button>
        <Button
          variant="default"
          leftSection={<IconSparkles size={18} />}
          loading={busy === 'demo'}
          onClick={() =>
            void run('demo', async () => onChosen((await call('setup:demo-shop', {})).path))
          }
          data-testid="use-demo"
        >
          {t('setup.source.demo')}
        </Button>
      </Group>
      {error && <ErrorNote code={error.code} message={error.message} />}
      {candidates && candidates.length === 0 && (
        <Text c="dimmed">{t('setup.source.noneFound')}</Text>
      )}
      {candidates?.map((c) => (
        <Card key={c.path} withBorder padding="sm">
          <Group justify="space-between" wrap="nowrap">
            <Stack gap={2}>
              <Text fw={600}>{c.name}</Text>
              <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                {c.path}
              </Text>
              <Text size="sm">
                {formatBytes(c.bytes)} ·{' '}
                {t('setup.source.modified', { when: formatDateTime(c.modified) })}
              </Text>
              <Group gap={4}>
                {c.reasons.map((r) => (
                  <Badge key={r} variant="light" size="sm">
                    {t(`types.${r}`, { defaultValue: r })}
                  </Badge>
                ))}
              </Group>
            </Stack>
            <Button variant="light" onClick={() => onChosen(c.path)}>
              {t('setup.source.use')}
            </Button>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}

function TypesStep({
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
              <Table.Tbody>
                {described.tables.map((tb) => (
                  <Table.Tr key={tb.table}>
                    <Table.Td dir="ltr">{tb.table}</Table.Td>
                    <Table.Td>{formatNumber(tb.rows)}</Table.Td>
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

function PlacesStep({
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

const STRENGTH_COLORS = ['red', 'red', 'orange', 'teal', 'green'] as const;

function ProtectStep(props: {
  source: string;
  types: DataType[];
  overrides: Record<string, DataType>;
  places: Place[];
  created: Created | null;
  onCreated: (c: Created) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const fileName = props.source.split(/[\\/]/).pop() ?? props.source;
  const [name, setName] = useState(t('setup.protect.defaultName', { file: fileName }));
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [stored, setStored] = useState(false);
  const strength = useMemo(
    () => passphraseStrength(pass, [name, fileName]),
    [pass, name, fileName],
  );

  if (props.created) {
    const c = props.created;
    return (
      <Stack mt="md">
        {c.skipped.map((s) => (
          <ErrorNote key={s.label} code={s.code} message={s.message} />
        ))}
        {c.recoveryKey ? (
          <Card withBorder padding="lg" className="recovery-key" data-testid="recovery-key-card">
            <Stack>
              <Title order={3}>{t('setup.protect.keyTitle')}</Title>
              <Text>{t('setup.protect.keyIntro')}</Text>
              <Code block fz="lg" data-testid="recovery-key" dir="ltr">
                {c.recoveryKey}
              </Code>
              <Group className="no-print">
                <Button
                  leftSection={<IconPrinter size={18} />}
                  variant="light"
                  onClick={() => window.print()}
                >
                  {t('setup.protect.print')}
                </Button>
              </Group>
            </Stack>
          </Card>
        ) : (
          <Alert color="blue">{t('setup.protect.existing')}</Alert>
        )}
        <Checkbox
          className="no-print"
          checked={stored || !c.recoveryKey}
          disabled={!c.recoveryKey}
          onChange={(e) => setStored(e.currentTarget.checked)}
          label={t('setup.protect.stored')}
          data-testid="key-stored"
        />
        <Group className="no-print">
          <Button
            disabled={!stored && c.recoveryKey !== null}
            onClick={props.onNext}
            data-testid="setup-next"
          >
            {t('setup.next')}
          </Button>
        </Group>
      </Stack>
    );
  }

  const mismatch = again.length > 0 && again !== pass;
  const tooShort = pass.length > 0 && pass.length < 10;
  const create = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      props.onCreated(
        await call('jobs:create', {
          name,
          source: props.source,
          types: props.types,
          typeOverrides: props.overrides,
          destinations: props.places.map((p) => ({ kind: p.kind, label: p.label, path: p.path })),
          passphrase: pass,
        }),
      );
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack mt="md" maw={560}>
      <TextInput
        label={t('setup.protect.name')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <Text>{t('setup.protect.intro')}</Text>
      <PasswordInput
        label={t('setup.protect.passphrase')}
        value={pass}
        onChange={(e) => setPass(e.currentTarget.value)}
        error={tooShort ? t('setup.protect.tooShort') : null}
        data-testid="passphrase"
      />
      <Progress
        value={pass ? (strength + 1) * 20 : 0}
        color={STRENGTH_COLORS[strength]}
        aria-label={t('setup.protect.strengthLabel')}
      />
      <Text size="sm" c="dimmed" data-testid="strength">
        {pass ? t(`setup.protect.strength.${strength}`) : t('setup.protect.hint')}
      </Text>
      <PasswordInput
        label={t('setup.protect.again')}
        value={again}
        onChange={(e) => setAgain(e.currentTarget.value)}
        error={mismatch ? t('setup.protect.mismatch') : null}
        data-testid="passphrase-again"
      />
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button variant="default" onClick={props.onBack}>
          {t('setup.back')}
        </Button>
        <Button
          loading={busy}
          disabled={pass.length < 10 || pass !== again || strength < 2 || !name.trim()}
          onClick={() => void create()}
          data-testid="create-protection"
        >
          {t('setup.protect.create')}
        </Button>
      </Group>
    </Stack>
  );
}

function WhenStep(props: {
  jobId: string;
  value: Schedule;
  onChange: (s: Schedule) => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Stack mt="md">
      <Text>{t('setup.when.intro')}</Text>
      <SchedulePicker
        value={props.value}
        onChange={(s) => {
          setError(null);
          props.onChange(s);
        }}
      />
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button
          loading={busy}
          onClick={() => {
            setBusy(true);
            setError(null);
            call('jobs:update', { jobId: props.jobId, schedule: props.value }).then(
              () => {
                setBusy(false);
                props.onNext();
              },
              (e: unknown) => {
                setBusy(false);
                setError(e instanceof ApiError ? e : null);
              },
            );
          }}
          data-testid="setup-next"
        >
          {t('setup.next')}
        </Button>
      </Group>
    </Stack>
  );
}

function ReviewStep({
  created,
  types,
  onDone,
}: {
  created: Created;
  types: DataType[];
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const job = created.job;
  return (
    <Stack mt="md">
      <Table withTableBorder>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th>{t('setup.review.database')}</Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{job.source}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('setup.review.types')}</Table.Th>
            <Table.Td>{formatList(types.map((ty) => t(`types.${ty}`)))}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('setup.review.places')}</Table.Th>
            <Table.Td>
              {job.destinations.map((d) => (
                <Text key={d.id} size="sm" style={{ wordBreak: 'break-all' }}>
                  {d.label} — {d.path}
                </Text>
              ))}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('setup.review.protection')}</Table.Th>
            <Table.Td>{t('setup.review.encrypted')}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button
          size="lg"
          loading={busy}
          onClick={() => {
            setBusy(true);
            call('backup:run', { jobId: job.id }).then(onDone, (e: unknown) => {
              setBusy(false);
              setError(e instanceof ApiError ? e : null);
            });
          }}
          data-testid="run-first-backup"
        >
          {t('setup.review.run')}
        </Button>
        <Button variant="default" onClick={onDone}>
          {t('setup.review.later')}
        </Button>
      </Group>
    </Stack>
  );
}
