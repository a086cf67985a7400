/**
 * Why a table got its data type, as data: the window words it in the owner's language, the CLI
 * in English. Table and column names in it are the schema's own, never translated.
 */
export type Why =
  /** A word in the table's name: "order" in "ospos_sales_orders". */
  | { by: 'name'; word: string }
  /** Columns that say it: "phone", "balance". */
  | { by: 'columns'; columns: string[] }
  /** Key and value columns: the shop's settings. */
  | { by: 'settings' }
  /** Points at a member table and holds money (at least one column): a purchase. */
  | { by: 'links'; table: string; columns: string[] }
  /** Part of the rows of another table: the lines of a sale, a member's pets. */
  | { by: 'part-of'; table: string }
  /** A list another table uses: card levels for the cards. */
  | { by: 'list-of'; table: string }
  /** A full-text index searching another table. */
  | { by: 'searches'; table: string }
  /** A table SQLite keeps for a full-text or R*Tree table. */
  | { by: 'belongs'; table: string }
  | { by: 'owner' }
  | { by: 'nothing' };

const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

/** The reason in English, for the CLI and logs. */
export function describeWhy(why: Why): string {
  switch (why.by) {
    case 'name':
      return `table name matches "${why.word}"`;
    case 'columns':
      return `has ${quoted(why.columns)} columns`;
    case 'settings':
      return 'key/value settings columns';
    case 'links':
      return `points at the table "${why.table}" and has ${quoted(why.columns)} columns`;
    case 'part-of':
      return `part of the table "${why.table}"`;
    case 'list-of':
      return `a list the table "${why.table}" uses`;
    case 'searches':
      return `searches the table "${why.table}"`;
    case 'belongs':
      return `belongs to the table "${why.table}"`;
    case 'owner':
      return 'chosen by the owner';
    case 'nothing':
      return 'no known words in its name or columns';
  }
}
