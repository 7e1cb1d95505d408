/** Reads a gateway's Prometheus text (`/metrics`) into sums per metric name. */
export async function scrape(httpPort: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  return parseMetrics(await res.text());
}

/** Prometheus text -> value per `name{labels}` and sum per name. */
export function parseMetrics(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const key = m[2] ? `${m[1]}${m[2]}` : m[1]!;
    sums.set(key, Number(m[3]));
    sums.set(m[1]!, (m[2] ? (sums.get(m[1]!) ?? 0) : 0) + Number(m[3]));
  }
  return sums;
}

/** The value of `name{label="value"}` (or the sum over labels when only the name is given). */
export const metric = (m: Map<string, number>, key: string): number => m.get(key) ?? 0;
