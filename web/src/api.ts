/**
 * Every request the page makes goes through here: the token (when one is set) rides in an
 * Authorization header, the base map's datum as ?crs=, and a 401 asks for a token once and
 * retries. The SSE stream is read with fetch (EventSource cannot send headers).
 */
import { t } from './i18n.js';
import { askToken } from './token.js';

const TOKEN_KEY = 'dipper.token';

export class Api {
  token: string = localStorage.getItem(TOKEN_KEY) ?? '';
  /** the base map's datum: coordinates in and out are shifted to it by the server */
  crs = 'wgs84';
  private asking: Promise<void> | undefined;
  /** called after the token changed (the map reloads what it shows) */
  onTokenChange: () => void = () => undefined;

  headers(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  /** Absolute URL for a same-origin path, with crs added for geographic endpoints. */
  url(path: string, params: Record<string, string | number | undefined> = {}): string {
    const u = new URL(path, location.origin);
    if (this.crs !== 'wgs84' && !u.searchParams.has('crs')) u.searchParams.set('crs', this.crs);
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u.href;
  }

  async fetch(path: string, init: RequestInit & { params?: Record<string, string | number | undefined> } = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(this.url(path, init.params), { ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string> | undefined) } });
      if (res.status !== 401 || attempt > 0) return res;
      await this.requireToken(this.token ? t('token.refused') : '');
    }
  }

  async json<T>(path: string, init: RequestInit & { params?: Record<string, string | number | undefined> } = {}): Promise<T> {
    const res = await this.fetch(path, init);
    if (!res.ok) throw new ApiError(res.status, await res.text());
    return (await res.json()) as T;
  }

  /** Shows the token prompt (one at a time); resolves once a token was entered. */
  requireToken(message = ''): Promise<void> {
    this.asking ??= askToken(message).then((token) => {
      this.asking = undefined;
      this.setToken(token);
    });
    return this.asking;
  }

  setToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
    this.onTokenChange();
  }

  /**
   * Server-Sent Events over fetch, reconnecting with a growing pause. Returns a stop function.
   * `onOpen(false)` reports a lost stream, `onOpen(true)` a live one.
   */
  stream(path: string, onEvent: (type: string, data: unknown) => void, onOpen: (live: boolean) => void): () => void {
    let stopped = false;
    let controller: AbortController | undefined;
    let pause = 1000;
    const run = async () => {
      while (!stopped) {
        controller = new AbortController();
        try {
          const res = await this.fetch(path, { signal: controller.signal, headers: { Accept: 'text/event-stream' } });
          if (!res.ok || !res.body) throw new ApiError(res.status, 'stream refused');
          onOpen(true);
          pause = 1000;
          await readEvents(res.body, onEvent);
        } catch {
          // aborted, refused or dropped: fall through to the pause
        }
        onOpen(false);
        if (stopped) return;
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 30_000);
      }
    };
    void run();
    return () => {
      stopped = true;
      controller?.abort();
    };
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** The text/event-stream format: blank-line separated blocks of `event:` and `data:` lines. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (type: string, data: unknown) => void): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: handed over as text
      }
      onEvent(type, parsed);
    }
  }
}
