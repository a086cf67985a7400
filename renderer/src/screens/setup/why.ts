/** Words the owner judges a table's data type by: why the classifier sorted it so. */
import type { TFunction } from 'i18next';
import type { WhyView } from '../../../../main/ipc/contract.js';
import { isolate } from '../../bidi.js';
import { formatList } from '../../i18n.js';

export function whyText(t: TFunction, why: WhyView): string {
  switch (why.by) {
    case 'name':
      return t('setup.types.why.name', { word: isolate(why.word) });
    case 'columns':
      return t('setup.types.why.columns', { columns: formatList(why.columns.map(isolate)) });
    case 'links':
      return t('setup.types.why.links', {
        table: isolate(why.table),
        columns: formatList(why.columns.map(isolate)),
      });
    case 'part-of':
    case 'list-of':
    case 'searches':
    case 'belongs':
      return t(`setup.types.why.${why.by}`, { table: isolate(why.table) });
    case 'settings':
    case 'owner':
    case 'nothing':
      return t(`setup.types.why.${why.by}`);
  }
}
