/**
 * Nesting depth of a JSON text, checked before it is parsed: a body of a million `[` costs
 * JSON.parse most of a second (and the event loop with it) before it fails. One pass, no
 * allocation, linear in the text; brackets inside strings do not count.
 */
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const OPEN_OBJECT = 123;
const CLOSE_ARRAY = 93;
const CLOSE_OBJECT = 125;

/** true when some array or object in `text` is nested deeper than `max` */
export function jsonTooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      // a closer with no opener: JSON.parse fails there, before reading anything deeper
      if (--depth < 0) return false;
    }
  }
  return false;
}
