/**
 * Step 2: open the backups with the passphrase or the printed recovery key (typed or pasted;
 * the engine reads it past spaces, dashes and case). A wrong one is said plainly, nothing more.
 */
import { Alert, Button, Group, PasswordInput, Radio, Stack, Text, Textarea } from '@mantine/core';
import { IconLockOpen } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../../api.js';
import { isolate } from '../../bidi.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import type { Found, SecretKind, Unlocked } from './recover.js';

export function UnlockStep({
  found,
  onUnlocked,
  onBack,
}: {
  found: Found;
  onUnlocked: (u: Unlocked, kind: SecretKind) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<SecretKind>('passphrase');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const unlock = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onUnlocked(
        await call('recover:unlock', { path: found.path, secret: { kind, value: value.trim() } }),
        kind,
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
        if (value.trim()) void unlock();
      }}
    >
      <Stack mt="md" maw={620}>
        <Text>{t('recover.unlock.intro', { label: isolate(found.where.label) })}</Text>
        <Radio.Group
          value={kind}
          onChange={(k) => {
            setKind(k as SecretKind);
            setValue('');
            setError(null);
          }}
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
            onChange={(e) => setValue(e.currentTarget.value)}
            data-testid="recover-secret"
          />
        ) : (
          <Textarea
            label={t('recover.unlock.keyLabel')}
            description={t('recover.unlock.keyTolerant')}
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
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
            disabled={!value.trim()}
            data-testid="recover-unlock"
          >
            {t('recover.unlock.open')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
