/** Step 4: the passphrase, the owner's PIN (or none, warned), and the printable recovery key. */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  PasswordInput,
  Progress,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PIN_PATTERN, PinField } from '../../components/OwnerPin.js';
import { useLoad } from '../../hooks.js';
import { passphraseStrength } from '../../strength.js';
import type { DataType, Place, Created } from './types.js';

const STRENGTH_COLORS = ['red', 'red', 'orange', 'teal', 'green'] as const;

export function ProtectStep(props: {
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
  const [pin, setPin] = useState('');
  const [noPin, setNoPin] = useState(false);
  // A second plan on this computer keeps the PIN the owner already has.
  const owner = useLoad(() => call('owner:status', {}));
  const askPin = owner.data?.pinSet === false;
  const pinChosen = !askPin || noPin || PIN_PATTERN.test(pin);
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
      // The PIN first: it leaves the window unlocked, and making the plan is the owner's then.
      if (askPin && !noPin) await call('owner:set-pin', { pin });
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
      {askPin && (
        <Stack gap="xs" data-testid="setup-owner-pin">
          <Text>{t('owner.setup.intro')}</Text>
          <PinField
            label={t('owner.pin')}
            value={pin}
            onChange={(v) => {
              setPin(v);
              if (v) setNoPin(false);
            }}
            testid="setup-pin"
          />
          <Checkbox
            checked={noPin}
            onChange={(e) => {
              setNoPin(e.currentTarget.checked);
              if (e.currentTarget.checked) setPin('');
            }}
            label={t('owner.setup.skip')}
            data-testid="setup-no-pin"
          />
          {noPin && <Alert color="orange">{t('owner.settings.none')}</Alert>}
        </Stack>
      )}
      {error && <ErrorNote code={error.code} message={error.message} />}
      <Group>
        <Button variant="default" onClick={props.onBack}>
          {t('setup.back')}
        </Button>
        <Button
          loading={busy}
          disabled={
            pass.length < 10 || pass !== again || strength < 2 || !name.trim() || !pinChosen
          }
          onClick={() => void create()}
          data-testid="create-protection"
        >
          {t('setup.protect.create')}
        </Button>
      </Group>
    </Stack>
  );
}
