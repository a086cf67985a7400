/**
 * First-time setup, also "Add backup": the database, what to keep, where, the passphrase and
 * recovery key, when, then a review that runs the first backup.
 */
import { Stack, Stepper, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schedule } from '../../../../main/ipc/contract.js';
import type { DataType, Place, Created } from './types.js';
import { SourceStep } from './SourceStep.js';
import { TypesStep } from './TypesStep.js';
import { PlacesStep } from './PlacesStep.js';
import { ProtectStep } from './ProtectStep.js';
import { WhenStep } from './WhenStep.js';
import { ReviewStep } from './ReviewStep.js';

export function Setup({
  first: firstJob,
  onDone,
  onRecover,
  onPlan,
}: {
  first: boolean;
  onDone: () => void;
  /** "I already have backups": offered on the first-run welcome only. */
  onRecover?: () => void;
  /** Opens the new plan's printable recovery plan with its new recovery key. */
  onPlan: (jobId: string, recoveryKey: string) => void;
}) {
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
            onRecover={first ? onRecover : undefined}
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
          {created && (
            <ReviewStep created={created} types={types} onDone={onDone} onPlan={onPlan} />
          )}
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}
