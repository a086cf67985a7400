/**
 * "I already have backups": a new or repaired computer. Find the backups (USB drives, cloud
 * folders, a folder the owner picks), open them with the passphrase or the printed recovery
 * key, put the database back, then keep backing up into the same backups, so the chain goes on.
 */
import { Stack, Stepper, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DoneStep } from './DoneStep.js';
import { FindStep } from './FindStep.js';
import { KeepStep } from './KeepStep.js';
import { PutBackStep } from './PutBackStep.js';
import { UnlockStep } from './UnlockStep.js';
import {
  STEPS,
  type Adopted,
  type Found,
  type OpenedWith,
  type Restored,
  type Search,
  type StepId,
  type Unlocked,
} from './recover.js';

export function Recover({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [step, setStep] = useState<StepId>('find');
  const [search, setSearch] = useState<Search | null>(null);
  const [found, setFound] = useState<Found | null>(null);
  const [unlocked, setUnlocked] = useState<(Unlocked & { kind: OpenedWith }) | null>(null);
  const [snapshotId, setSnapshotId] = useState<string | null>(null);
  const [restored, setRestored] = useState<Restored | null>(null);
  const [adopted, setAdopted] = useState<Adopted | null>(null);

  const body = (id: StepId): React.ReactNode => {
    switch (id) {
      case 'find':
        return (
          <FindStep
            search={search}
            onSearch={setSearch}
            onChoose={(f) => {
              if (f.path !== found?.path) setUnlocked(null);
              setFound(f);
              setStep('unlock');
            }}
            onBack={onCancel}
          />
        );
      case 'unlock':
        return (
          found && (
            <UnlockStep
              found={found}
              onUnlocked={(u, kind) => {
                // Opened again: a new recovery, so what was put back belongs to the old one.
                setUnlocked({ ...u, kind });
                setSnapshotId(null);
                setRestored(null);
                setStep('putBack');
              }}
              onBack={() => setStep('find')}
            />
          )
        );
      case 'putBack':
        return (
          unlocked && (
            <PutBackStep
              unlocked={unlocked}
              selected={snapshotId}
              onSelect={(id) => {
                setSnapshotId(id);
                setRestored(null);
              }}
              restored={restored}
              onRestored={setRestored}
              onBack={() => setStep('unlock')}
              onNext={() => setStep('keep')}
            />
          )
        );
      case 'keep':
        return (
          unlocked &&
          found &&
          restored && (
            <KeepStep
              found={found}
              unlocked={unlocked}
              restored={restored}
              onAdopted={(job) => {
                setAdopted(job);
                setStep('done');
              }}
              onBack={() => setStep('putBack')}
            />
          )
        );
      case 'done':
        return adopted && <DoneStep job={adopted} onHome={onDone} />;
    }
  };

  return (
    <Stack maw={1000} gap="lg" data-testid="recover">
      <Title order={2}>{t('recover.title')}</Title>
      <Stepper active={STEPS.indexOf(step)} size="sm" allowNextStepsSelect={false}>
        {STEPS.map((id) => (
          <Stepper.Step
            key={id}
            label={t(`recover.steps.${id}`)}
            data-testid={`recover-step-${id}`}
          >
            {id === step && body(id)}
          </Stepper.Step>
        ))}
      </Stepper>
    </Stack>
  );
}
