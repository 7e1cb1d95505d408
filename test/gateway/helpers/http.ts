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

/** polls `fn` until it gives a value (work off the request path lands a moment later) */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
