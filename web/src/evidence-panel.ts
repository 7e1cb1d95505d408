/**
 * An incident's or a case's evidence, under the incidents list: opened by an incident's
 * "evidence" button or a case clicked on the map (GET /api/incidents/{id}/media,
 * GET /api/cases/{id}/media). Tests read #evidence[data-target] and its media list (evidence.ts).
 */
import type { Api } from './api.js';
import { MediaList } from './evidence.js';
import { t } from './i18n.js';

export interface EvidenceTarget {
  kind: 'incident' | 'case';
  id: string;
  /** a case's org unit (ids are unique within one) */
  org?: string;
  label: string;
}

export class EvidencePanel {
  private readonly box = document.getElementById('evidence') as HTMLElement;
  private readonly title = document.getElementById('evidence-title') as HTMLElement;
  private readonly media: MediaList;
  private target: EvidenceTarget | undefined;

  constructor(api: Api) {
    this.media = new MediaList(api, document.getElementById('evidence-media') as HTMLElement);
    document.getElementById('evidence-close')!.addEventListener('click', () => this.close());
  }

  async open(target: EvidenceTarget): Promise<void> {
    this.target = target;
    this.box.hidden = false;
    this.box.dataset.target = `${target.kind}:${target.id}`;
    this.title.textContent = t('evidence.for', { what: target.label });
    const path = target.kind === 'incident' ? `/api/incidents/${target.id}/media` : `/api/cases/${encodeURIComponent(target.id)}/media`;
    await this.media.show(path, { limit: 24, ...(target.org ? { org: target.org } : {}) });
  }

  /** the same target again (its evidence may have grown), in the page's language */
  async refresh(): Promise<void> {
    if (this.target) await this.open(this.target);
  }

  close(): void {
    this.target = undefined;
    this.box.hidden = true;
    delete this.box.dataset.target;
    this.media.clear();
  }
}
