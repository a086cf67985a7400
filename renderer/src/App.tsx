/**
 * The window: a side bar (Home, History, Audit log, Restore, Settings, Add backup) and the screen
 * chosen.
 */
import { AppShell, Group, Loader, NavLink, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import {
  IconArrowBackUp,
  IconClipboardList,
  IconHistory,
  IconHome,
  IconPlus,
  IconSettings,
  IconShieldCheck,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, subscribe } from './api.js';
import { useLoad } from './hooks.js';
import { applyLanguage } from './i18n.js';
import { Audit } from './screens/audit/Audit.js';
import { History } from './screens/History.js';
import { Home } from './screens/Home.js';
import { Recover } from './screens/recover/Recover.js';
import { RecoveryPlan } from './screens/recovery-plan/RecoveryPlan.js';
import { Restore } from './screens/restore/Restore.js';
import { Settings } from './screens/Settings.js';
import { Setup } from './screens/setup/Setup.js';
import type { RestoreStart, Screen } from './navigation.js';

export function App() {
  const { t } = useTranslation();
  const settings = useLoad(() => call('settings:get', {}), ['status:changed']);
  // First start (no backup job yet) opens the setup wizard; asked once, so creating the job in
  // the wizard does not swap the screen under the owner's hands.
  // The tray's "Restore…" opens a new window at #restore.
  const initial = useLoad(() =>
    call('settings:get', {}).then((s): Screen =>
      !s.jobs.length ? 'setup' : location.hash === '#restore' ? 'restore' : 'home',
    ),
  );
  const [chosen, setChosen] = useState<Screen | null>(null);
  const screen = chosen ?? initial.data;
  // Each way into the wizard starts it afresh; a History row starts it at that backup.
  const [restore, setRestore] = useState<{ start: RestoreStart | null; n: number }>({
    start: null,
    n: 0,
  });
  const setScreen = (s: Screen): void => {
    if (s === 'restore') setRestore((r) => ({ start: null, n: r.n + 1 }));
    setChosen(s);
  };
  // The plan whose printable recovery plan is open (its card in Settings, or setup with the
  // recovery key just made: the only time the key is printed on it).
  const [plan, setPlan] = useState<{ jobId: string; recoveryKey: string | null } | null>(null);
  const openPlan = (jobId: string, recoveryKey: string | null = null): void => {
    setPlan({ jobId, recoveryKey });
    setChosen('recovery-plan');
  };
  const restoreAt = (start: RestoreStart): void => {
    setRestore((r) => ({ start, n: r.n + 1 }));
    setChosen('restore');
  };

  // The tray asks a window that is already open.
  useEffect(() => subscribe('window:open-screen', (e) => setScreen(e.screen)), []);

  const language = settings.data
    ? settings.data.language === 'system'
      ? settings.data.systemLanguage
      : settings.data.language
    : null;
  useEffect(() => {
    if (language) applyLanguage(language);
  }, [language]);

  if (!settings.data || !screen) {
    return (
      <Group justify="center" mt="xl">
        <Loader />
      </Group>
    );
  }

  const nav: { id: Screen; label: string; icon: React.ReactNode }[] = [
    { id: 'home', label: t('nav.home'), icon: <IconHome size={18} /> },
    { id: 'history', label: t('nav.history'), icon: <IconHistory size={18} /> },
    { id: 'audit', label: t('nav.audit'), icon: <IconClipboardList size={18} /> },
    { id: 'restore', label: t('nav.restore'), icon: <IconArrowBackUp size={18} /> },
    { id: 'settings', label: t('nav.settings'), icon: <IconSettings size={18} /> },
    { id: 'setup', label: t('nav.addBackup'), icon: <IconPlus size={18} /> },
  ];

  return (
    <AppShell navbar={{ width: 220, breakpoint: 0 }} padding="lg">
      <AppShell.Navbar p="sm">
        <Group gap="xs" mb="md" px="xs">
          <ThemeIcon size="lg" radius="md">
            <IconShieldCheck size={20} />
          </ThemeIcon>
          <Title order={3}>Tillvault</Title>
        </Group>
        <Stack gap={4}>
          {nav.map((n) => (
            <NavLink
              key={n.id}
              // A button, not a link without an address: reached by Tab, opened by Enter.
              component="button"
              label={n.label}
              leftSection={n.icon}
              active={screen === n.id}
              onClick={() => setScreen(n.id)}
              data-testid={`nav-${n.id}`}
            />
          ))}
        </Stack>
        <Text size="xs" c="dimmed" mt="auto" px="xs">
          {t('app.tagline')}
        </Text>
      </AppShell.Navbar>
      <AppShell.Main>
        {screen === 'home' && <Home go={setScreen} restoreAt={restoreAt} />}
        {screen === 'history' && <History jobs={settings.data.jobs} onRestore={restoreAt} />}
        {screen === 'audit' && <Audit jobs={settings.data.jobs} />}
        {screen === 'restore' && (
          <Restore key={restore.n} jobs={settings.data.jobs} start={restore.start} go={setScreen} />
        )}
        {screen === 'settings' && (
          <Settings
            settings={settings.data}
            onChanged={settings.reload}
            go={setScreen}
            openPlan={(jobId, key) => openPlan(jobId, key ?? null)}
          />
        )}
        {screen === 'setup' && (
          <Setup
            first={settings.data.jobs.length === 0}
            onDone={() => {
              settings.reload();
              setScreen('home');
            }}
            onRecover={() => setScreen('recover')}
            onPlan={(jobId, key) => {
              settings.reload();
              openPlan(jobId, key);
            }}
          />
        )}
        {screen === 'recovery-plan' && plan && (
          <RecoveryPlan
            jobId={plan.jobId}
            recoveryKey={plan.recoveryKey}
            onBack={() => {
              // The key leaves the window's memory with the sheet.
              setPlan(null);
              settings.reload();
              setScreen('settings');
            }}
          />
        )}
        {screen === 'recover' && (
          <Recover
            onDone={() => {
              settings.reload();
              setScreen('home');
            }}
            onCancel={() => setScreen('setup')}
          />
        )}
      </AppShell.Main>
    </AppShell>
  );
}
