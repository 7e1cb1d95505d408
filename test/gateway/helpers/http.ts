/** JSON over HTTP to a test gateway, and waiting for a condition (never for a time). */

export interface Answer {
  status: number;
  // the answers' shapes are asserted field by field by the tests
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
  type: string | null;
}

export async function call(port: number, token: string | undefined, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type');
  return { status: res.status, json: type?.includes('json') && text ? JSON.parse(text) : undefined, text, type };
}

/**
 * Polls `fn` until it gives a value (undefined or false: not yet); work off the request path
 * lands a moment later. No deadline of its own: on a busy machine anything may take longer, and
 * a condition that never comes is tap's per-file timeout, which names the subtest waiting.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  // short pauses first (most conditions hold within milliseconds), then every 50 ms
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, pause));
  }
}
