/**
 * The legend, a map control (bottom right, folds away): what each colour and mark on the map
 * means, drawn with the same colours the layers use (COLOURS), in the page's language, with
 * the zone the times are shown in. Each entry carries data-legend (its name) and, on the
 * shape that shows its colour, data-colour, so a test can hold it against the layers' paint.
 */
import type { IControl } from 'maplibre-gl';
import { CATEGORIES, COLOURS } from './config.js';
import { DUTY_COLOURS } from './duty.js';
import { t } from './i18n.js';
import type { MessageKey } from './i18n.js';
import { escapeHtml } from './panel.js';
import { timeZone } from './time.js';

const SIZE = 22;
const C = SIZE / 2;

function svg(body: string): string {
  return `<svg width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" aria-hidden="true">${body}</svg>`;
}

/** The arrow of a single terminal (clusters.ts arrowImage), pointing north-east. */
function arrow(colour: string): string {
  return svg(`<path data-colour="${colour}" d="M11 2 L18 19 L11 14.5 L4 19 Z" fill="${colour}" stroke="#fff" stroke-width="1.5" transform="rotate(45 11 11)"/>`);
}

/** A duty area: a filled square outlined in the same colour (duty.ts). */
function area(colour: string): string {
  return svg(`<rect data-colour="${colour}" x="3" y="3" width="16" height="16" fill="${colour}" fill-opacity="0.22" stroke="${colour}" stroke-width="2"/>`);
}

function dot(colour: string): string {
  return svg(`<circle data-colour="${colour}" cx="${C}" cy="${C}" r="6" fill="${colour}" stroke="#fff" stroke-width="1.5"/>`);
}

/** A cluster: a ring of category shares with a count (clusters.ts donut). */
function cluster(alarm: boolean): string {
  const ring = `<circle cx="${C}" cy="${C}" r="8" fill="#fff" stroke="${COLOURS.vehicle}" stroke-width="4" stroke-dasharray="30 100"/><circle cx="${C}" cy="${C}" r="8" fill="none" stroke="${COLOURS.bodycam}" stroke-width="4" stroke-dasharray="0 30 20 100"/>`;
  const flash = alarm ? `<circle class="legend-flash" data-colour="${COLOURS.alarm}" cx="${C}" cy="${C}" r="10.5" fill="none" stroke="${COLOURS.alarm}" stroke-width="1.5"/>` : '';
  return svg(`${ring}${flash}<text x="${C}" y="${C + 3}" font-size="8" font-weight="700" text-anchor="middle" fill="#1d2430">9</text>`);
}

type Entry = [name: string, shape: string, label: MessageKey];

function entries(): { title: MessageKey; items: Entry[] }[] {
  return [
    { title: 'legend.categories', items: CATEGORIES.map((c): Entry => [c, dot(COLOURS[c]), `category.${c}`]) },
    { title: 'legend.states', items: (['online', 'offline', 'alarm'] as const).map((s): Entry => [s, arrow(COLOURS[s]), `state.${s}`]) },
    {
      title: 'legend.marks',
      items: [
        ['cluster', cluster(false), 'legend.cluster'],
        ['cluster-alarm', cluster(true), 'legend.clusterAlarm'],
        ['terminal-alarm', svg(`<circle class="legend-flash" data-colour="${COLOURS.alarm}" cx="${C}" cy="${C}" r="9" fill="${COLOURS.alarm}" fill-opacity="0.35" stroke="${COLOURS.alarm}" stroke-width="1.5"/><circle cx="${C}" cy="${C}" r="4" fill="${COLOURS.vehicle}" stroke="#fff"/>`), 'legend.terminalAlarm'],
        ['alarm-event', svg(`<circle class="legend-flash" data-colour="${COLOURS.alarm}" cx="${C}" cy="${C}" r="9" fill="${COLOURS.alarm}" fill-opacity="0.4" stroke="${COLOURS.alarm}" stroke-width="1.5"/>`), 'legend.alarmEvent'],
        ['incident', svg(`<circle data-colour="${COLOURS.alarm}" cx="${C}" cy="${C}" r="8.5" fill="none" stroke="${COLOURS.alarm}" stroke-width="2.5"/>`), 'legend.incident'],
        ['case', svg(`<circle data-colour="${COLOURS.case}" cx="${C}" cy="${C}" r="6" fill="${COLOURS.case}" stroke="#ffd23f" stroke-width="2.5"/>`), 'legend.case'],
        ['district', svg(`<path d="M2 16 L9 6 L14 12 L20 4" fill="none" stroke="#56657a" stroke-width="1.5"/>`), 'legend.district'],
      ],
    },
    {
      title: 'legend.duty',
      items: [
        ['duty-all', area(DUTY_COLOURS.all), 'legend.dutyAll'],
        ['duty-half', area(DUTY_COLOURS.half), 'legend.dutyHalf'],
        ['duty-none', area(DUTY_COLOURS.none), 'legend.dutyNone'],
        ['duty-unassigned', area(DUTY_COLOURS.unassigned), 'legend.dutyUnassigned'],
      ],
    },
  ];
}

export class Legend implements IControl {
  private readonly el = document.createElement('details');

  onAdd(): HTMLElement {
    this.el.id = 'legend';
    this.el.className = 'maplibregl-ctrl';
    this.el.open = true;
    this.render();
    return this.el;
  }

  onRemove(): void {
    this.el.remove();
  }

  /** Draws the legend again (a new language). */
  render(): void {
    const sections = entries()
      .map(
        ({ title, items }) =>
          `<h4>${escapeHtml(t(title))}</h4><ul>${items.map(([name, shape, label]) => `<li data-legend="${name}">${shape}<span>${escapeHtml(t(label))}</span></li>`).join('')}</ul>`,
      )
      .join('');
    this.el.innerHTML = `<summary>${escapeHtml(t('legend'))}</summary>${sections}<p class="legend-time">${escapeHtml(t('legend.time', { zone: timeZone() }))}</p>`;
  }
}
