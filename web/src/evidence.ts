/**
 * Media shown as evidence: photos as images, videos with their controls, sound as a player. The
 * page authenticates with an Authorization header (api.ts), which <img> and <video> cannot send:
 * each file is fetched through the API and shown from a blob: URL, let go when the list is
 * replaced. Files are fetched one after another (the API allows a token a few downloads at once,
 * http.maxDownloadsPerToken). Used by the terminal panel (its latest media), the incidents panel
 * and a case's (their evidence). Tests read [data-media-id][data-kind][data-loaded] and the
 * container's data-count / data-loaded.
 */
import type { Api } from './api.js';
import { t } from './i18n.js';
import type { MessageKey } from './i18n.js';
import { formatTime } from './time.js';

/** The fields of a media record (events/media-record.ts) and of its evidence link (events/evidence.ts) the page uses. */
export interface MediaItem {
  id: string;
  type: number;
  contentType: string;
  receivedAt: string;
  terminal: string;
  removedAt: string | null;
  link?: 'while-open' | 'attached' | 'uploaded';
}

const KINDS: Record<number, 'image' | 'audio' | 'video'> = { 0: 'image', 1: 'audio', 2: 'video' };

export class MediaList {
  private urls: string[] = [];
  /** bumped at each show: a slow earlier list never lands in a later one's place */
  private seq = 0;

  constructor(
    private readonly api: Api,
    private readonly box: HTMLElement,
  ) {}

  /** Lists what `path` answers ({ items }) and loads each file. */
  async show(path: string, params: Record<string, string | number | undefined> = {}): Promise<void> {
    // clear() starts a new sequence: a slower earlier show stops at its next step
    this.clear();
    const seq = this.seq;
    this.box.dataset.state = 'loading';
    let items: MediaItem[];
    try {
      items = (await this.api.json<{ items: MediaItem[] }>(path, { params })).items;
    } catch (e) {
      if (seq !== this.seq) return;
      this.box.dataset.state = 'error';
      this.box.textContent = t('media.unavailable', { error: (e as Error).message });
      return;
    }
    if (seq !== this.seq) return;
    this.box.dataset.count = String(items.length);
    this.box.dataset.loaded = '0';
    if (items.length === 0) {
      this.box.dataset.state = 'ready';
      this.box.textContent = t('media.none');
      return;
    }
    const figures = items.map((m) => this.figure(m));
    this.box.replaceChildren(...figures.map((f) => f.element));
    this.box.dataset.state = 'ready';
    let loaded = 0;
    for (const f of figures) {
      if (seq !== this.seq) return;
      if (await f.load()) this.box.dataset.loaded = String(++loaded);
    }
  }

  clear(): void {
    this.seq++;
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.box.replaceChildren();
    delete this.box.dataset.count;
    delete this.box.dataset.loaded;
  }

  private figure(m: MediaItem): { element: HTMLElement; load: () => Promise<boolean> } {
    const figure = document.createElement('figure');
    figure.className = 'media';
    figure.dataset.mediaId = m.id;
    const kind = KINDS[m.type] ?? 'file';
    figure.dataset.kind = kind;
    const caption = document.createElement('figcaption');
    caption.textContent = `${formatTime(m.receivedAt)}${m.link ? ` · ${t(`media.link.${m.link}` as MessageKey)}` : ''}`;
    figure.append(caption);
    const load = async (): Promise<boolean> => {
      if (m.removedAt) {
        caption.textContent += ` · ${t('media.removed')}`;
        return false;
      }
      let blob: Blob;
      try {
        const res = await this.api.fetch(`/api/media/${m.id}`);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        blob = await res.blob();
      } catch (e) {
        caption.textContent += ` · ${(e as Error).message}`;
        return false;
      }
      const url = URL.createObjectURL(blob);
      this.urls.push(url);
      let element: HTMLImageElement | HTMLVideoElement | HTMLAudioElement | HTMLAnchorElement;
      if (kind === 'image') {
        const img = document.createElement('img');
        img.alt = t('media.photo', { terminal: m.terminal });
        element = img;
      } else if (kind === 'video' || kind === 'audio') {
        const player = document.createElement(kind);
        player.controls = true;
        player.preload = 'metadata';
        if (player instanceof HTMLVideoElement) player.playsInline = true;
        element = player;
      } else {
        const a = document.createElement('a');
        a.download = m.id;
        a.textContent = t('media.download');
        a.href = url;
        figure.prepend(a);
        figure.dataset.loaded = 'true';
        return true;
      }
      element.src = url;
      figure.prepend(element);
      figure.dataset.loaded = 'true';
      return true;
    };
    return { element: figure, load };
  }
}
