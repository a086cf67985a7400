/**
 * The translation files against English (locales/en.json is the source): same keys, the plural
 * forms each language really needs (from Intl.PluralRules, not a hand-written table), no empty
 * strings, the same {{variables}}, product names and technical examples kept, and actually
 * translated rather than an English copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

const LANGS = { en: 'en', zh: 'zh-CN', sv: 'sv', nb: 'nb', ar: 'ar' } as const;
type Lang = keyof typeof LANGS;
const TRANSLATED = (Object.keys(LANGS) as Lang[]).filter((l) => l !== 'en');

/** i18next JSON v4 plural suffixes: `key_one`, `key_other`, and `key_ordinal_one` for ordinals. */
const PLURAL_SUFFIX = /_(ordinal_)?(zero|one|two|few|many|other)$/;

/** Categories with a fixed number; the word itself may say it ("عضوان" = two members). */
const EXACT_CATEGORIES = new Set(['zero', 'one', 'two']);
/** Variables that only print the plural count (`n` is the formatted count). */
const COUNT_VARIABLES = new Set(['count', 'n']);

/** Must appear unchanged in every translation of a string that has them in English. */
const KEEP = ['Tillvault', 'AES-256', '30 22 * * 1-6'];

/** Strings that are rightly the same as English in that language. */
const SAME_AS_ENGLISH: Record<Lang, ReadonlySet<string>> = {
  en: new Set(),
  zh: new Set(),
  sv: new Set(),
  nb: new Set(['setup.steps.source', 'setup.review.database', 'settings.database']), // "Database"
  ar: new Set(),
};

interface Entry {
  key: string;
  family: string;
  /** '' for a plain key, else e.g. 'one' or 'ordinal:few'. */
  form: string;
  value: string;
}

function load(lang: Lang): Entry[] {
  const data: unknown = JSON.parse(fs.readFileSync(`locales/${lang}.json`, 'utf8'));
  const out: Entry[] = [];
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node === 'string') {
      const m = PLURAL_SUFFIX.exec(prefix);
      const family = m ? prefix.slice(0, m.index) : prefix;
      const form = m ? `${m[1] ? 'ordinal:' : ''}${m[2]}` : '';
      out.push({ key: prefix, family, form, value: node });
      return;
    }
    assert.ok(
      node !== null && typeof node === 'object' && !Array.isArray(node),
      `${lang}: ${prefix || '(root)'} must be a string or an object`,
    );
    for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
  };
  walk(data, '');
  return out;
}

function byFamily(entries: Entry[]): Map<string, Entry[]> {
  const map = new Map<string, Entry[]>();
  for (const e of entries) map.set(e.family, [...(map.get(e.family) ?? []), e]);
  return map;
}

function variables(value: string): Set<string> {
  // `{{n, number}}` is the variable `n` with a format.
  return new Set([...value.matchAll(/{{\s*([^},]+)[^}]*}}/g)].map((m) => (m[1] ?? '').trim()));
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();

function expectedForms(lang: Lang, english: Entry[]): string[] {
  if (english.every((e) => e.form === '')) return [''];
  const ordinal = english.some((e) => e.form.startsWith('ordinal:'));
  const rules = new Intl.PluralRules(LANGS[lang], { type: ordinal ? 'ordinal' : 'cardinal' });
  return rules.resolvedOptions().pluralCategories.map((c) => (ordinal ? `ordinal:${c}` : c));
}

const en = load('en');
const enFamilies = byFamily(en);

test('English has plural families to check (the suffix parsing works)', () => {
  const plural = [...enFamilies].filter(([, es]) => es.some((e) => e.form !== ''));
  assert.ok(plural.length >= 4, `only ${plural.length} plural families found`);
  assert.ok(enFamilies.has('summary.members'));
});

for (const lang of Object.keys(LANGS) as Lang[]) {
  const entries = load(lang);
  const families = byFamily(entries);

  test(`${lang}: same keys as English, apart from plural suffixes`, () => {
    const missing = sorted([...enFamilies.keys()].filter((f) => !families.has(f)));
    const extra = sorted([...families.keys()].filter((f) => !enFamilies.has(f)));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  });

  test(`${lang}: each plural key has exactly the forms ${LANGS[lang]} needs`, () => {
    for (const [family, english] of enFamilies) {
      const own = families.get(family);
      if (!own) continue; // reported by the key test
      let want = expectedForms(lang, english);
      // i18next uses an optional `_zero` for a count of 0 in every language.
      if (want.includes('other') && own.some((e) => e.form === 'zero') && !want.includes('zero')) {
        want = [...want, 'zero'];
      }
      assert.deepEqual(sorted(own.map((e) => e.form)), sorted(want), `${lang}: ${family}`);
    }
  });

  test(`${lang}: no empty strings`, () => {
    const empty = entries.filter((e) => e.value.trim() === '').map((e) => e.key);
    assert.deepEqual(empty, []);
  });

  test(`${lang}: the same {{variables}} as English`, () => {
    for (const e of entries) {
      const english = enFamilies.get(e.family);
      if (!english) continue;
      const want = new Set(english.flatMap((x) => [...variables(x.value)]));
      const have = variables(e.value);
      const category = e.form.replace('ordinal:', '');
      const mayOmit = EXACT_CATEGORIES.has(category) ? COUNT_VARIABLES : new Set<string>();
      const needed = sorted([...want].filter((v) => !mayOmit.has(v) || have.has(v)));
      assert.deepEqual(sorted(have), needed, `${lang}: ${e.key} = ${JSON.stringify(e.value)}`);
    }
  });

  test(`${lang}: names and technical examples kept as they are`, () => {
    for (const e of entries) {
      for (const english of enFamilies.get(e.family) ?? []) {
        for (const token of KEEP.filter((k) => english.value.includes(k))) {
          assert.ok(e.value.includes(token), `${lang}: ${e.key} lost ${JSON.stringify(token)}`);
        }
      }
    }
  });
}

for (const lang of TRANSLATED) {
  test(`${lang}: translated, not an English copy`, () => {
    const english = new Map(en.map((e) => [e.key, e.value]));
    const entries = load(lang);
    const same = entries.filter((e) => {
      const source = english.get(e.key) ?? english.get(`${e.family}_other`);
      if (source === undefined || e.value !== source) return false;
      // Only variables, spaces and punctuation ("{{job}}: {{reason}}", ", "): nothing to translate.
      const words = e.value.replace(/{{[^}]*}}/g, '').replace(/[^\p{L}]/gu, '');
      return words !== '' && !SAME_AS_ENGLISH[lang].has(e.key);
    });
    assert.ok(
      same.length < entries.length * 0.05,
      `${lang}: ${same.length} of ${entries.length} strings are the English text, e.g. ${same
        .slice(0, 10)
        .map((e) => e.key)
        .join(', ')}`,
    );
  });
}
