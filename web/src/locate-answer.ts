/**
 * "Locate now": the terminal's 0x0201 answer (POST .../commands with 0x8201) shown as a fix:
 * when (in web.timeZone), where (lat, lng as the terminal reported them, WGS-84), speed and
 * heading, and the alarms it carried; not the raw JSON. The refusals say what happened in
 * words (offline, no answer). Fields carry data-fix (time, place, speed, heading) for tests.
 */
import { t } from './i18n.js';
import type { MessageKey } from './i18n.js';
import { formatTime } from './time.js';

type Json = Record<string, unknown>;

/** The location in an answer: 0x0201's body is a location report with ackSerial. */
function fixOf(answer: unknown): (Json & { lat: number; lng: number }) | undefined {
  const body = ((answer as { reply?: { body?: Json } } | null)?.reply?.body ?? undefined) as Json | undefined;
  const fix = (body?.location ?? body) as Json | undefined;
  return fix && typeof fix.lat === 'number' && typeof fix.lng === 'number' ? (fix as Json & { lat: number; lng: number }) : undefined;
}

function row(key: 'place' | 'speed' | 'heading' | 'alarms', label: MessageKey, value: string): HTMLElement[] {
  const dt = document.createElement('dt');
  dt.textContent = t(label);
  const dd = document.createElement('dd');
  dd.dataset.fix = key;
  dd.textContent = value;
  return [dt, dd];
}

/** Fills `out` with the answer to a locate request (HTTP status and body text). */
export function showLocateAnswer(out: HTMLElement, status: number, text: string): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  out.replaceChildren();
  if (status === 404) return void (out.textContent = t('locate.offline'));
  if (status === 504) return void (out.textContent = t('locate.timeout'));
  if (status < 200 || status >= 300) {
    const message = (body as { message?: unknown } | undefined)?.message;
    return void (out.textContent = t('locate.http', { status, body: typeof message === 'string' ? message : text.slice(0, 200) }));
  }
  const fix = fixOf(body);
  if (!fix) return void (out.textContent = t('locate.noFix'));
  const flags = Array.isArray(fix.flags) ? (fix.flags as unknown[]) : undefined;
  // status bit 1: positioned; without it the coordinates are the last ones the terminal kept
  const positioned = flags ? flags.includes('fix') : (Number(fix.status) & 2) !== 0;
  // "Position at {time}": the time an element of its own (data-fix), in the message's order
  const title = document.createElement('h4');
  const when = document.createElement('time');
  when.dataset.fix = 'time';
  when.textContent = formatTime(fix.time);
  if (typeof fix.time === 'string') when.dateTime = fix.time;
  const [before, after] = t('locate.fix', { time: '\u0000' }).split('\u0000');
  title.append(before ?? '', when, after ?? '');
  const list = document.createElement('dl');
  list.append(
    ...row('place', 'locate.place', `${fix.lat.toFixed(6)}, ${fix.lng.toFixed(6)}`),
    ...row('speed', 'locate.speed', t('kmh', { n: Number(fix.speed ?? 0) })),
    ...row('heading', 'locate.heading', `${Number(fix.heading ?? 0)}°`),
  );
  const alarms = Array.isArray(fix.alarms) ? (fix.alarms as unknown[]).map(String) : [];
  if (alarms.length) list.append(...row('alarms', 'alarms.active', alarms.join(', ')));
  out.append(title, list);
  if (!positioned) {
    const note = document.createElement('p');
    note.textContent = t('locate.noFix');
    out.append(note);
  }
}
