/**
 * Times as the command centre reads them: in its zone (web.timeZone, default Asia/Shanghai),
 * whatever zone the browser runs in, written YYYY-MM-DD HH:mm:ss in both languages (the
 * parts come from Intl.DateTimeFormat with that timeZone; only their order is ours).
 */
let zone = 'Asia/Shanghai';
let format = formatter(zone);

function formatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

/** Sets the zone (from /web/config.json); an unknown name keeps the previous one. */
export function setTimeZone(timeZone: string): void {
  try {
    format = formatter(timeZone);
    zone = timeZone;
  } catch {
    // the server validates web.timeZone; a browser without that zone's data keeps the default
  }
}

export function timeZone(): string {
  return zone;
}

/** An instant (epoch ms, ISO string, Date) in the zone; '—' for none, the input for garbage. */
export function formatTime(v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v));
  if (Number.isNaN(d.getTime())) return String(v);
  const p = Object.fromEntries(format.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
