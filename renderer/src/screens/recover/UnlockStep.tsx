/**
 * Step 2: open the backups with the passphrase or the printed recovery key (typed or pasted;
 * the engine reads it past spaces, dashes and case). A wrong one is said plainly, nothing more.
 * Backups made without encryption need neither: that is said in words, and they just open.
 */
import { Alert, Button, Group, PasswordInput, Radio, Stack, Text, Textarea } from '@mantine/core';
import { IconAlertTriangle, IconLockOpen } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import type { Found, OpenedWith, SecretKind, Unlocked } from './recover.js';

export function UnlockStep({
  found,
  onUnlocked,
  onBack,
}: {
  found: Found;
  onUnlocked: (u: Unlocked, kind: OpenedWith) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<SecretKind>('passphrase');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const plain = !found.encrypted;

  const unlock = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onUnlocked(
        await call('recover:unlock', {
          path: found.path,
          secret: plain ? null : { kind, value: value.trim() },
        }),
        plain ? 'none' : kind,
      );
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (plain || value.trim()) void unlock();
      }}
    >
      <Stack mt="md" maw={620}>
        {plain ? (
          <>
            <Text>{t('recover.unlock.plainIntro', { label: isolate(found.where.label) })}</Text>
            <Alert
              color="orange"
              icon={<IconAlertTriangle />}
              title={t('recover.unlock.plainTitle')}
              data-testid="recover-plain"
            >
              {t('recover.unlock.plainWarn')}
            </Alert>
          </>
        ) : (
          <Secret
            kind={kind}
            value={value}
            onKind={(k) => {
              setKind(k);
              setValue('');
              setError(null);
            }}
            onValue={setValue}
            label={found.where.label}
          />
        )}
        {error?.code === 'WRONG_PASSPHRASE' ? (
          <Alert
            color="red"
            role="alert"
            title={t(`recover.unlock.wrong.${kind}`)}
            data-testid="recover-wrong"
          >
            {t('recover.unlock.wrongHelp')}
          </Alert>
        ) : (
          error && <ErrorNote code={error.code} message={error.message} />
        )}
        <Group>
          <Button variant="default" onClick={onBack} data-testid="recover-back">
            {t('recover.back')}
          </Button>
          <Button
            type="submit"
            leftSection={<IconLockOpen size={18} />}
            loading={busy}
            disabled={!plain && !value.trim()}
            data-testid="recover-unlock"
          >
            {t('recover.unlock.open')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The passphrase or the recovery key, and which of the two. */
function Secret({
  kind,
  value,
  onKind,
  onValue,
  label,
}: {
  kind: SecretKind;
  value: string;
  onKind: (k: SecretKind) => void;
  onValue: (v: string) => void;
  label: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Text>{t('recover.unlock.intro', { label: isolate(label) })}</Text>
      <Radio.Group
        value={kind}
        onChange={(k) => onKind(k as SecretKind)}
        label={t('recover.unlock.with')}
      >
        <Stack gap="xs" mt="xs">
          <Radio
            value="passphrase"
            label={t('recover.unlock.passphrase')}
            data-testid="recover-with-passphrase"
          />
          <Radio
            value="recovery-key"
            label={t('recover.unlock.key')}
            description={t('recover.unlock.keyHelp')}
            data-testid="recover-with-key"
          />
        </Stack>
      </Radio.Group>
      {kind === 'passphrase' ? (
        <PasswordInput
          label={t('recover.unlock.passphraseLabel')}
          value={value}
          onChange={(e) => onValue(e.currentTarget.value)}
          data-testid="recover-secret"
        />
      ) : (
        <Textarea
          label={t('recover.unlock.keyLabel')}
          description={t('recover.unlock.keyTolerant')}
          value={value}
          onChange={(e) => onValue(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter opens, as in the passphrase field; a pasted key needs no new lines.
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
          autosize
          minRows={2}
          spellCheck={false}
          autoComplete="off"
          dir="ltr"
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          data-testid="recover-secret"
        />
      )}
    </>
  );
}
