/** An error as the owner reads it: the translated meaning of its code, then the detail. */
import { Alert, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

export function errorText(t: (k: string) => string, code: string): string {
  const key = `errors.${code}`;
  const text = t(key);
  return text === key ? t('errors.INTERNAL') : text;
}

export function ErrorNote({ code, message }: { code: string; message?: string | null }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" icon={<IconAlertTriangle />} title={errorText(t, code)} role="alert">
      {message ? <Text size="sm">{message}</Text> : null}
    </Alert>
  );
}
