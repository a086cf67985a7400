/**
 * The restore wizard: what happened, when (the timeline), what to put back, the preview, keep
 * today's sales, then the restore itself with its checks and undo; or, to only look, a copy.
 * One backup is open at a time (`restore:open`), and closed when the wizard is left.
 */
import { Stack, Stepper, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobView } from '../../../../main/ipc/contract.js';
import { ApiError, call } from '../../api.js';
import type { RestoreStart, Screen } from '../../navigation.js';
import { CopyStep } from './CopyStep.js';
import { KeepStep } from './KeepStep.js';
import { PreviewStep } from './PreviewStep.js';
import { ReasonStep } from './ReasonStep.js';
import { SafelyStep } from './SafelyStep.js';
import { WhatStep } from './WhatStep.js';
import { WhenStep } from './WhenStep.js';
import {
  defaultKind,
  keepApplies,
  keepOffered,
  liveUsable,
  stepsFor,
  whatOf,
  type Choice,
  type DataType,
  type Opened,
  type Preview,
  type Reason,
  type StepId,
} from './wizard.js';

interface Keep {
  on: boolean;
  types: DataType[];
  /** The owner set it: the preview no longer picks the default. */
  touched: boolean;
}

export function Restore({
  jobs,
  start,
  go,
}: {
  jobs: JobView[];
  start: RestoreStart | null;
  go: (s: Screen) => void;
}) {
  const { t } = useTranslation();
  const [step, setStep] = useState<StepId>(start ? 'when' : 'reason');
  const [reason, setReason] = useState<Reason | null>(start ? 'mistake' : null);
  const [jobId, setJobId] = useState(start?.jobId ?? jobs[0]?.id ?? null);
  const [snapshotId, setSnapshotId] = useState<string | null>(start?.snapshotId ?? null);
  const [opened, setOpened] = useState<(Opened & { jobId: string }) | null>(null);
  const [opening, setOpening] = useState(false);
  const [openError, setOpenError] = useState<ApiError | null>(null);
  const [choice, setChoice] = useState<Choice>({ kind: 'records', types: [], records: [] });
  const [keep, setKeep] = useState<Keep>({ on: false, types: ['sales'], touched: false });

  // The open backup is closed when the wizard is left, whichever way.
  const session = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (session.current) void call('restore:close', { sessionId: session.current });
    },
    [],
  );

  if (!jobId) return <Text>{t('history.noJobs')}</Text>;

  const steps = stepsFor(reason, choice, opened);
  const what = whatOf(choice);
  const offered = keepOffered(choice, opened);
  const kept = keep.types.filter((t) => offered.includes(t));
  const keepNew = keepApplies(choice, opened) && keep.on && kept.length ? kept : null;
  const move = (offset: number): void => {
    const next = steps[steps.indexOf(step) + offset];
    if (next) setStep(next);
  };

  const openChosen = async (): Promise<void> => {
    if (!snapshotId) return;
    if (opened && opened.jobId === jobId && opened.point.id === snapshotId) {
      move(1);
      return;
    }
    setOpening(true);
    setOpenError(null);
    try {
      if (session.current) await call('restore:close', { sessionId: session.current });
      session.current = null;
      setOpened(null);
      const o = await call('restore:open', { jobId, snapshotId });
      session.current = o.sessionId;
      setOpened({ ...o, jobId });
      setChoice((c) => ({
        kind: liveUsable(o) ? c.kind : 'all',
        types: [],
        records: [],
      }));
      setStep(reason === 'look' ? 'copy' : 'what');
    } catch (e) {
      setOpenError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: '' }));
    } finally {
      setOpening(false);
    }
  };

  const body = (id: StepId): React.ReactNode => {
    switch (id) {
      case 'reason':
        return (
          <ReasonStep
            value={reason}
            onChange={(r) => {
              setReason(r);
              setChoice((c) => ({ ...c, kind: liveUsable(opened) ? defaultKind(r) : 'all' }));
            }}
            onBack={() => go('home')}
            onNext={() => move(1)}
          />
        );
      case 'when':
        return (
          reason && (
            <WhenStep
              jobs={jobs}
              jobId={jobId}
              onJob={(id) => {
                setJobId(id);
                setSnapshotId(null);
              }}
              reason={reason}
              selected={snapshotId}
              onSelect={setSnapshotId}
              opening={opening}
              error={openError}
              onBack={() => move(-1)}
              onNext={() => void openChosen()}
            />
          )
        );
      case 'what':
        return (
          opened && (
            <WhatStep
              opened={opened}
              choice={choice}
              onChange={setChoice}
              onBack={() => move(-1)}
              onNext={() => move(1)}
            />
          )
        );
      case 'preview':
        return (
          opened &&
          what && (
            <PreviewStep
              sessionId={opened.sessionId}
              what={what}
              liveUsable={liveUsable(opened)}
              onLoaded={(p: Preview) => {
                if (!keep.touched) {
                  setKeep((k) => ({ ...k, on: p.warnings.some((w) => w.kind === 'sales-lost') }));
                }
              }}
              onBack={() => move(-1)}
              onNext={() => move(1)}
            />
          )
        );
      case 'keep':
        return (
          opened &&
          what && (
            <KeepStep
              sessionId={opened.sessionId}
              what={what}
              types={offered}
              on={keep.on}
              keepTypes={kept}
              onChange={(on, types) => setKeep({ on, types, touched: true })}
              onBack={() => move(-1)}
              onNext={() => move(1)}
            />
          )
        );
      case 'safely':
        return (
          opened &&
          what && (
            <SafelyStep
              jobId={opened.jobId}
              opened={opened}
              what={what}
              keepNew={keepNew}
              onBack={() => move(-1)}
              onFinish={() => go('home')}
            />
          )
        );
      case 'copy':
        return (
          opened && <CopyStep opened={opened} onBack={() => move(-1)} onFinish={() => go('home')} />
        );
    }
  };

  return (
    <Stack maw={1000} gap="lg" data-testid="restore">
      <Title order={2}>{t('restore.title')}</Title>
      <Stepper active={steps.indexOf(step)} size="sm" allowNextStepsSelect={false}>
        {steps.map((id) => (
          <Stepper.Step
            key={id}
            label={t(`restore.steps.${id}`)}
            data-testid={`restore-step-${id}`}
          >
            {id === step && body(id)}
          </Stepper.Step>
        ))}
      </Stepper>
    </Stack>
  );
}
