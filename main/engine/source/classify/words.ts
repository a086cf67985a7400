/**
 * How names are read: split into words across scripts, case and camelCase, folded, and matched
 * against a lexicon of English, Scandinavian and Chinese (characters, pinyin, pinyin initials)
 * words, forgiving the spelling slips schema authors make in long pinyin words.
 */

export interface Lexicon {
  /** Latin-script words: English, Swedish and Norwegian (without diacritics). */
  words: readonly string[];
  /** Full pinyin words, where one slip of the schema's author is forgiven (huiyaun). */
  pinyin?: readonly string[];
  /** Pinyin initials abbreviations (hy = 会员); these only ever match a whole token. */
  abbreviations?: readonly string[];
  /** Chinese characters, matched anywhere in the name. */
  han?: readonly string[];
}

/** Lower case without diacritics, so "Försäljning" and "forsaljning" are the same word. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** "categories" → "category", "boxes" → "box", "status" stays. */
export function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ss|us)$/.test(word)) return word;
  if (/(ch|sh|x)es$/.test(word)) return word.slice(0, -2);
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/** Splits on anything that is not a letter, on script changes and on camelCase humps. */
export function latinTokens(name: string): string[] {
  const runs = name.match(/[^\p{Script=Han}\P{L}]+/gu) ?? [];
  return runs
    .flatMap((run) => run.split(/(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u))
    .map(fold);
}

/** At most one letter added, dropped, changed or two swapped: "huiyaun", "shangpn". */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const tail = (x: number, y: number): boolean => a.slice(i + x) === b.slice(i + y);
  if (a.length === b.length) {
    return tail(1, 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && tail(2, 2));
  }
  return a.length > b.length ? tail(1, 0) : tail(0, 1);
}

/** Words this long are unlikely to be one slip away from a word of another type. */
const LOOSE_FROM = 7;

const plural = (token: string, word: string): boolean =>
  token === word || token === `${word}s` || token === `${word}es`;

/**
 * Short words must be the whole token (plural allowed) so "log" is not "logo"; longer ones may
 * start it ("medlemmar", "employees"), from five letters end it ("kundorder", "sharedtickets")
 * and from seven be anywhere in it.
 */
export function wordMatches(token: string, word: string): boolean {
  if (word.length <= 3) return plural(token, word);
  if (token.startsWith(word)) return true;
  // Long words are also found inside a compound: "taxsuppcategories".
  if (word.length >= 7 && token.includes(word)) return true;
  return word.length >= 5 && [word, `${word}s`, `${word}es`].some((w) => token.endsWith(w));
}

/** A pinyin word also matches with one slip, from seven letters: "huiyaun", "shangpng". */
function pinyinMatches(token: string, word: string): boolean {
  return (
    wordMatches(token, word) ||
    (word.length >= LOOSE_FROM &&
      [-1, 0, 1].some((d) => withinOneEdit(token.slice(0, word.length + d), word)))
  );
}

export interface Hit<T extends string> {
  type: T;
  word: string;
}

/** A lexicon per type, compiled once for matching. */
export class Matcher<T extends string> {
  private readonly types: T[];
  private readonly han: { word: string; type: T }[];
  private readonly abbreviations: Map<string, T>;
  private readonly pieces: Set<string>;

  constructor(
    private readonly lexicons: Readonly<Record<T, Lexicon>>,
    /** Pinyin initials that carry no type but glue others together: xs_dd_mx, hyxx. */
    fillers: readonly string[] = [],
  ) {
    this.types = Object.keys(lexicons) as T[];
    // Longest first, so 收银员 (a cashier: staff) is taken before 收银 (the till: sales).
    this.han = this.types
      .flatMap((type) => (lexicons[type].han ?? []).map((word) => ({ word, type })))
      .sort((a, b) => b.word.length - a.word.length);
    this.abbreviations = new Map(
      this.types.flatMap((type) => (lexicons[type].abbreviations ?? []).map((a) => [a, type])),
    );
    this.pieces = new Set([...this.abbreviations.keys(), ...fillers]);
  }

  /** Every type the text names, with the word that named it. */
  hits(text: string): Hit<T>[] {
    const hits: Hit<T>[] = [];
    let han = text;
    for (const { word, type } of this.han) {
      if (han.includes(word)) {
        hits.push({ type, word });
        han = han.replaceAll(word, ' ');
      }
    }
    const tokens = latinTokens(text);
    const joined = [...tokens, ...tokens.slice(1).map((t, i) => tokens[i] + t)];
    for (const token of joined) {
      for (const type of this.types) {
        const lexicon = this.lexicons[type];
        const word =
          lexicon.words.find((w) => wordMatches(token, w)) ??
          lexicon.pinyin?.find((w) => pinyinMatches(token, w));
        if (word) hits.push({ type, word });
      }
    }
    for (const token of tokens) {
      for (const piece of this.pinyinPieces(token) ?? []) {
        const type = this.abbreviations.get(piece);
        if (type) hits.push({ type, word: piece });
      }
    }
    return hits;
  }

  /** Splits "xsddmx" into xs+dd+mx when the whole token is made of known pinyin pieces. */
  private pinyinPieces(token: string): string[] | null {
    if (token.length === 0) return [];
    for (const size of [3, 2]) {
      const head = token.slice(0, size);
      if (head.length === size && this.pieces.has(head)) {
        const rest = this.pinyinPieces(token.slice(size));
        if (rest) return [head, ...rest];
      }
    }
    return null;
  }
}
