/**
 * ISO-8601 stamps on the hot path. A busy gateway stamps many reports in the same millisecond
 * and the map then reads the same stamps back: remember the last one each way instead of
 * formatting and parsing it again for every report.
 */
/** A `new Date(ms).toISOString()` that formats again only when the millisecond changes. */
export function isoFormatter(): (ms: number) => string {
  let formattedMs = NaN;
  let formatted = '';
  return (ms) => {
    if (ms !== formattedMs) {
      formattedMs = ms;
      formatted = new Date(ms).toISOString();
    }
    return formatted;
  };
}

/** Receive stamps. */
export const isoAt = isoFormatter();

let parsedText = '';
let parsed = NaN;

/** `Date.parse(text)`, parsed once while the same stamp comes back. */
export function parseIso(text: string): number {
  if (text !== parsedText) {
    parsedText = text;
    parsed = Date.parse(text);
  }
  return parsed;
}
