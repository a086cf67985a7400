/** The checks after putting the database back, in words: integrity, links, row counts. */
import type { TFunction } from 'i18next';
import { isolate } from '../../bidi.js';
import { formatList, formatNumber } from '../../i18n.js';
import type { Restored } from './recover.js';

export interface CheckLine {
  id: 'integrity' | 'links' | 'counts';
  ok: boolean;
  text: string;
}

export function checkLines(t: TFunction, checks: Restored['checks']): CheckLine[] {
  const { integrity, foreignKeyProblems: fk, countMismatches: counts } = checks;
  return [
    {
      id: 'integrity',
      ok: integrity,
      text: t(integrity ? 'recover.checks.integrityOk' : 'recover.checks.integrityBad'),
    },
    {
      id: 'links',
      // The file is the backup itself: rows pointing at nothing were in the shop's database.
      ok: true,
      text:
        fk === 0
          ? t('recover.checks.linksOk')
          : `${t('recover.checks.linksBad', { count: fk, n: formatNumber(fk) })} ${t('restore.checks.linksInBackup')}`,
    },
    {
      id: 'counts',
      ok: counts.length === 0,
      text:
        counts.length === 0
          ? t('recover.checks.countsOk')
          : t('recover.checks.countsBad', {
              tables: formatList(counts.map((c) => isolate(c.table))),
            }),
    },
  ];
}
