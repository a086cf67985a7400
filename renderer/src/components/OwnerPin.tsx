/**
 * The owner's PIN in the window. Main refuses an owner's action while the window is locked;
 * this dialog then asks for the PIN and the action is tried again (api.ts). It only asks: main
 * checks the PIN, counts wrong ones and makes the next try wait. A forgotten PIN is reset with
 * a plan's backup passphrase or its recovery key.
 */
import {
  Alert,
  Anchor,
  Button,
  Group,
  Modal,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
} from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OwnerStatus } from '../../../main/ipc/contract.js';
import { ApiError, answerOwnerLocked, call } from '../api.js';
import { ErrorNote } from './ErrorNote.js';

export const PIN_PATTERN = /^\d{4,8}$/;

/** A PIN field: digits only, masked, numeric keyboard on touch screens. */
export function PinField(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  testid: string;
  error?: string | null;
  autoFocus?: boolean;
}) {
  return (
    <PasswordInput
      label={props.label}
      value={props.value}
      inputMode="numeric"
      autoComplete="off"
      maxLength={8}
      dir="ltr"
      autoFocus={props.autoFocus}
      error={props.error}
      onChange={(e) => props.onChange(e.currentTarget.value.replace(/\D/g, ''))}
      data-testid={props.testid}
    />
  );
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

export function OwnerPinPrompt() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [forgot, setForgot] = useState(false);
  const answer = useRef<((unlocked: boolean) => void) | null>(null);

  useEffect(
    () =>
      answerOwnerLocked(
        () =>
          new Promise<boolean>((resolve) => {
            answer.current = resolve;
            setForgot(false);
            setOpen(true);
          }),
      ),
    [],
  );
  const done = (unlocked: boolean): void => {
    setOpen(false);
    answer.current?.(unlocked);
    answer.current = null;
  };

  return (
    <Modal
      opened={open}
      onClose={() => done(false)}
      title={t(forgot ? 'owner.reset.title' : 'owner.prompt.title')}
    >
      <div data-testid="owner-pin-dialog">
        {forgot ? (
          <ResetPin onDone={() => done(true)} onBack={() => setForgot(false)} />
        ) : (
          <UnlockPin onDone={() => done(true)} onForgot={() => setForgot(true)} />
        )}
      </div>
    </Modal>
  );
}

function UnlockPin({ onDone, onForgot }: { onDone: () => void; onForgot: () => void }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [status, setStatus] = useState<OwnerStatus | null>(null);
  const [wrong, setWrong] = useState(false);
  const [busy, setBusy] = useState(false);
  const waiting = status !== null && status.waitMs > 0;
  // The wait counts down on screen; main decides when a try is allowed again.
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => void call('owner:status', {}).then(setStatus), 1000);
    return () => clearTimeout(timer);
  }, [waiting, status]);

  const unlock = async (): Promise<void> => {
    setBusy(true);
    try {
      const s = await call('owner:unlock', { pin });
      setStatus(s);
      if (s.unlocked) onDone();
      else {
        setWrong(true);
        setPin('');
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (PIN_PATTERN.test(pin) && !waiting) void unlock();
      }}
    >
      <Stack>
        <Text>{t('owner.prompt.intro')}</Text>
        <PinField
          label={t('owner.pin')}
          value={pin}
          onChange={setPin}
          testid="owner-pin"
          autoFocus
          error={wrong && !waiting ? t('owner.prompt.wrong') : null}
        />
        {waiting && (
          <Alert color="orange" data-testid="owner-pin-wait">
            {t('owner.prompt.wait', { count: seconds(status.waitMs) })}
          </Alert>
        )}
        <Group justify="space-between">
          <Anchor component="button" type="button" onClick={onForgot} data-testid="owner-forgot">
            {t('owner.prompt.forgot')}
          </Anchor>
          <Button
            type="submit"
            loading={busy}
            disabled={!PIN_PATTERN.test(pin) || waiting}
            data-testid="owner-unlock"
          >
            {t('owner.prompt.unlock')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ResetPin({ onDone, onBack }: { onDone: () => void; onBack: () => void }) {
  const { t } = useTranslation();
  const [plans, setPlans] = useState<{ value: string; label: string }[]>([]);
  const [jobId, setJobId] = useState<string | null>(null);
  const [kind, setKind] = useState<'passphrase' | 'recovery-key'>('passphrase');
  const [secret, setSecret] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void call('settings:get', {}).then((s) => {
      setPlans(s.jobs.map((j) => ({ value: j.id, label: j.name })));
      setJobId(s.jobs[0]?.id ?? null);
    });
  }, []);
  const reset = async (): Promise<void> => {
    if (!jobId) return;
    setBusy(true);
    setError(null);
    try {
      await call('owner:reset-pin', { jobId, secret: { kind, value: secret }, pin });
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Text>{t('owner.reset.intro')}</Text>
      {plans.length > 1 && (
        <Select
          label={t('owner.reset.plan')}
          data={plans}
          value={jobId}
          onChange={setJobId}
          allowDeselect={false}
        />
      )}
      <SegmentedControl
        value={kind}
        onChange={(v) => setKind(v as typeof kind)}
        data={[
          { value: 'passphrase', label: t('owner.reset.withPassphrase') },
          { value: 'recovery-key', label: t('owner.reset.withKey') },
        ]}
        data-testid="owner-reset-kind"
      />
      <PasswordInput
        label={t(kind === 'passphrase' ? 'owner.reset.passphrase' : 'owner.reset.key')}
        value={secret}
        onChange={(e) => setSecret(e.currentTarget.value)}
        dir="ltr"
        data-testid="owner-reset-secret"
      />
      <PinField label={t('owner.newPin')} value={pin} onChange={setPin} testid="owner-new-pin" />
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group justify="space-between">
        <Button variant="default" onClick={onBack}>
          {t('owner.reset.back')}
        </Button>
        <Button
          loading={busy}
          disabled={!jobId || !secret || !PIN_PATTERN.test(pin)}
          onClick={() => void reset()}
          data-testid="owner-reset"
        >
          {t('owner.reset.submit')}
        </Button>
      </Group>
    </Stack>
  );
}

/** Settings: the PIN set, changed, removed (with what that means), and "Lock now". */
export function OwnerPinSettings() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<OwnerStatus | null>(null);
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => void call('owner:status', {}).then(setStatus), []);
  const act = async (step: () => Promise<OwnerStatus>): Promise<void> => {
    setError(null);
    try {
      setStatus(await step());
      setPin('');
      setAgain('');
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  };
  if (!status) return null;
  const mismatch = again.length > 0 && again !== pin;
  return (
    <Stack data-testid="owner-settings">
      <Text fw={600}>{t('owner.settings.title')}</Text>
      {status.pinSet ? (
        <Text>{t('owner.settings.set')}</Text>
      ) : (
        <Alert color="orange" data-testid="owner-no-pin">
          {t('owner.settings.none')}
        </Alert>
      )}
      <Group align="flex-end">
        <PinField
          label={t(status.pinSet ? 'owner.newPin' : 'owner.pin')}
          value={pin}
          onChange={setPin}
          testid="owner-settings-pin"
        />
        <PinField
          label={t('owner.again')}
          value={again}
          onChange={setAgain}
          testid="owner-settings-again"
          error={mismatch ? t('owner.mismatch') : null}
        />
        <Button
          disabled={!PIN_PATTERN.test(pin) || pin !== again}
          onClick={() => void act(() => call('owner:set-pin', { pin }))}
          data-testid="owner-settings-save"
        >
          {t(status.pinSet ? 'owner.settings.change' : 'owner.settings.save')}
        </Button>
      </Group>
      {status.pinSet && (
        <Group>
          <Button
            variant="default"
            onClick={() => void act(() => call('owner:lock', {}))}
            data-testid="owner-lock"
          >
            {t('owner.settings.lock')}
          </Button>
          <Button
            variant="subtle"
            color="red"
            onClick={() => void act(() => call('owner:set-pin', { pin: null }))}
            data-testid="owner-remove"
          >
            {t('owner.settings.remove')}
          </Button>
        </Group>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
    </Stack>
  );
}
