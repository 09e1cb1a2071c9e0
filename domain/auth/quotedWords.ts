/**
 * Words of a configuration line where a value may be double-quoted to hold spaces:
 * `require user "john smith" bob`. Inside quotes `\"` is a quote and `\\` a
 * backslash; any other backslash is kept as written.
 */
export type WordsResult = { readonly ok: true; readonly words: string[] } | { readonly ok: false; readonly message: string };

export function splitQuotedWords(text: string): WordsResult {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      let word = '';
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i]!;
        if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          word += text[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        word += ch;
        i++;
      }
      if (!closed) return { ok: false, message: 'unterminated quoted value' };
      if (i < text.length && !/\s/.test(text[i]!)) return { ok: false, message: 'text directly after a closing quote' };
      words.push(word);
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      words.push(text.slice(start, i));
    }
  }
  return { ok: true, words };
}

/**
 * A single value that runs to the end of the line, as DSS read `AuthName My Realm`:
 * unquoted it is the trimmed rest of the line; quoted it must be one quoted word.
 */
export function singleValue(text: string): { ok: true; value: string } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'missing value' };
  if (!trimmed.startsWith('"')) return { ok: true, value: trimmed };
  const words = splitQuotedWords(trimmed);
  if (!words.ok) return words;
  if (words.words.length !== 1) return { ok: false, message: 'text after the quoted value' };
  const value = words.words[0]!;
  if (value === '') return { ok: false, message: 'empty value' };
  return { ok: true, value };
}
