/**
 * A name, path or key as the shop's data spells it, kept in its own direction inside a
 * sentence (an English table name inside Arabic text): first-strong isolate … pop.
 */
export const isolate = (name: string): string => `\u2068${name}\u2069`;
