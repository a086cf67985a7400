/**
 * The printable recovery plan of one plan (plan:recovery-sheet): where every copy is, when
 * backups run, how much can be lost and how long a restore takes, the steps to get the data
 * back, who holds the PIN and passphrase, and a box for the recovery key. print.css puts only
 * the sheet on A4 paper; "Save as PDF" asks main to print it (plan:recovery-pdf), in Electron.
 */
import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { IconArrowLeft, IconFileTypePdf, IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecoverySheet } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { errorText, ErrorNote } from '../../components/ErrorNote.js';
import { cronInWords } from '../../components/SchedulePicker.js';
import { useLoad } from '../../hooks.js';
import { formatDateTime, formatDay, formatDuration, formatList } from '../../i18n.js';
import { spanInWords, unitInWords } from './words.js';
import './recovery-plan.css';

type T = (key: string, vars?: Record<string, unknown>) => string;

/** A path or name from the shop's computer, kept left to right inside any sentence. */
function Path({ text }: { text: string }) {
  return (
    <span dir="ltr" className="path">
      {isolate(text)}
    </span>
  );
}

function Section({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: React.ReactNode;
}) {
  return (
    <section className="plan-section" data-testid={`plan-${id}`}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function scheduleText(t: T, lang: string, s: RecoverySheet): string {
  const preset = t(`schedule.${s.schedule.preset}.label`);
  const words = s.cron ? cronInWords(s.cron, lang) : null;
  return words ? `${preset}: ${words}` : preset;
}

function Sheet({ sheet, recoveryKey }: { sheet: RecoverySheet; recoveryKey: string | null }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const kinds = ['folder', 'removable', 'cloud'] as const;
  return (
    <article className="recovery-plan" data-testid="recovery-plan">
      <header>
        <h1>{t('plan.title')}</h1>
        <p className="plan-name">{isolate(sheet.plan)}</p>
        <dl>
          <dt>{t('plan.computer')}</dt>
          <dd>
            <Path text={sheet.computer} />
          </dd>
          <dt>{t('plan.database')}</dt>
          <dd>
            <Path text={sheet.database} />
          </dd>
          <dt>{t('plan.made')}</dt>
          <dd>{formatDay(sheet.madeAt)}</dd>
        </dl>
      </header>

      <Section id="what" title={t('plan.what.title')}>
        <p>{formatList(sheet.types.map((ty) => t(`types.${ty}`)))}</p>
        <p>{t(sheet.encrypted ? 'plan.what.encrypted' : 'plan.what.plain')}</p>
      </Section>

      <Section id="where" title={t('plan.where.title')}>
        {kinds.map((kind) => {
          const places = sheet.places.filter((p) => p.kind === kind);
          if (!places.length) return null;
          return (
            <div key={kind}>
              <h3>{t(`plan.where.${kind}`)}</h3>
              <ul>
                {places.map((p) => (
                  <li key={`${p.label}${p.path}`}>
                    <strong>{isolate(p.label)}</strong>: <Path text={p.path} />
                    {p.sticks.length > 0 && (
                      <div>
                        {t('plan.where.sticks', {
                          sticks: formatList(p.sticks.map(isolate)),
                        })}
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </Section>

      <Section id="when" title={t('plan.when.title')}>
        <p>{scheduleText(t, lang, sheet)}</p>
        <p>
          {t('plan.when.retention', {
            within: unitInWords(sheet.retention.everyForDays, 'day', lang),
            monthly: unitInWords(sheet.retention.monthlyFor, 'month', lang),
            yearly: unitInWords(sheet.retention.yearlyFor, 'year', lang),
          })}
        </p>
      </Section>

      <Section id="times" title={t('plan.times.title')}>
        <dl>
          <dt>{t('plan.times.rpo')}</dt>
          <dd>
            {sheet.rpoMs === null
              ? t('plan.times.rpoManual')
              : t('plan.times.rpoValue', { span: spanInWords(sheet.rpoMs, lang) })}
          </dd>
          <dt>{t('plan.times.rto')}</dt>
          <dd>
            {sheet.rto === null
              ? t('plan.times.rtoNone')
              : t('plan.times.rtoValue', {
                  span: formatDuration(sheet.rto.restoreMs / 1000),
                  when: formatDateTime(sheet.rto.measuredAt),
                })}
          </dd>
          <dt>{t('plan.times.last')}</dt>
          <dd>
            {sheet.lastBackupAt ? formatDateTime(sheet.lastBackupAt) : t('plan.times.lastNone')}
          </dd>
        </dl>
      </Section>

      <Section id="steps" title={t('plan.steps.title')}>
        <h3>{t('plan.steps.here')}</h3>
        <ol>
          <li>{t('plan.steps.here1')}</li>
          <li>{t('plan.steps.here2', { button: t('nav.restore') })}</li>
          <li>{t('plan.steps.here3')}</li>
          <li>{t('plan.steps.here4')}</li>
        </ol>
        <h3>{t('plan.steps.new')}</h3>
        <ol>
          <li>{t('plan.steps.new1')}</li>
          <li>{t('plan.steps.new2')}</li>
          <li>{t('plan.steps.new3', { button: t('setup.haveBackups') })}</li>
          <li>{t('plan.steps.new4')}</li>
          <li>{t('plan.steps.new5', { button: t('recover.steps.keep') })}</li>
        </ol>
      </Section>

      <Section id="people" title={t('plan.people.title')}>
        <dl className="fill-in">
          <dt>{t('plan.people.pin')}</dt>
          <dd className="blank" />
          <dt>{t('plan.people.passphrase')}</dt>
          <dd className="blank" />
          <dt>{t('plan.people.kept')}</dt>
          <dd className="blank" />
        </dl>
      </Section>

      <Section id="key" title={t('plan.key.title')}>
        <div className="key-box" data-testid="plan-key-box">
          {recoveryKey ? (
            <code dir="ltr">{recoveryKey}</code>
          ) : (
            <span className="key-label">{t('plan.key.empty')}</span>
          )}
        </div>
        <p className="key-hint">{t('plan.key.hint')}</p>
      </Section>
    </article>
  );
}

export function RecoveryPlan({
  jobId,
  recoveryKey = null,
  onBack,
}: {
  jobId: string;
  /** Only just after the owner made it (setup); otherwise the box is left to fill in. */
  recoveryKey?: string | null;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const sheet = useLoad(() => call('plan:recovery-sheet', { jobId }));
  const [saved, setSaved] = useState<{ file: string | null; error: string | null } | null>(null);

  const savePdf = (): void => {
    call('plan:recovery-pdf', { jobId }).then(
      (r) => setSaved({ file: r.file, error: null }),
      (e: unknown) =>
        setSaved({ file: null, error: e instanceof ApiError ? errorText(t, e.code) : String(e) }),
    );
  };

  if (sheet.error) return <ErrorNote code={sheet.error.code} message={sheet.error.message} />;
  if (!sheet.data) return <Loader />;
  return (
    <Stack maw={820}>
      <Group className="no-print" justify="space-between">
        <Button variant="subtle" leftSection={<IconArrowLeft size={16} />} onClick={onBack}>
          {t('plan.back')}
        </Button>
        <Group>
          <Button
            leftSection={<IconPrinter size={16} />}
            onClick={() => window.print()}
            data-testid="plan-print"
          >
            {t('plan.print')}
          </Button>
          {sheet.data.canSavePdf && (
            <Button
              variant="light"
              leftSection={<IconFileTypePdf size={16} />}
              onClick={savePdf}
              data-testid="plan-pdf"
            >
              {t('plan.savePdf')}
            </Button>
          )}
        </Group>
      </Group>
      {saved?.file && (
        <Alert className="no-print" color="green">
          <Text size="sm">{t('plan.saved', { file: isolate(saved.file) })}</Text>
        </Alert>
      )}
      {saved?.error && (
        <Alert className="no-print" color="red">
          <Text size="sm">{saved.error}</Text>
        </Alert>
      )}
      <Title order={2} className="no-print" size="h4" c="dimmed">
        {t('plan.intro')}
      </Title>
      <Sheet sheet={sheet.data} recoveryKey={recoveryKey} />
    </Stack>
  );
}
