/**
 * The window's translation files, for the few texts main writes itself (notifications, the tray,
 * the audit CSV): one i18next instance, and the locale each language formats numbers and dates in.
 */
import i18next, { type TFunction } from 'i18next';
import type { Language } from '../ipc/contract.js';
import ar from '../../locales/ar.json' with { type: 'json' };
import en from '../../locales/en.json' with { type: 'json' };
import nb from '../../locales/nb.json' with { type: 'json' };
import sv from '../../locales/sv.json' with { type: 'json' };
import zh from '../../locales/zh.json' with { type: 'json' };

const i18n = i18next.createInstance();
void i18n.init({
  resources: {
    en: { translation: en },
    zh: { translation: zh },
    sv: { translation: sv },
    nb: { translation: nb },
    ar: { translation: ar },
  },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  initAsync: false,
});

export const tr = (lang: Language): TFunction => i18n.getFixedT(lang);

export const LOCALES: Record<Language, string> = {
  en: 'en',
  zh: 'zh-CN',
  sv: 'sv',
  nb: 'nb',
  ar: 'ar',
};
