import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/charts/styles.css';
import { DirectionProvider, MantineProvider, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { OwnerPinPrompt } from './components/OwnerPin.js';
import './i18n.js';
import './print.css';

const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", "Noto Sans SC", "Microsoft YaHei", sans-serif',
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DirectionProvider detectDirection>
      <MantineProvider theme={theme}>
        <Notifications position="top-center" />
        <App />
        <OwnerPinPrompt />
      </MantineProvider>
    </DirectionProvider>
  </StrictMode>,
);
