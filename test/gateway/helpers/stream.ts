/** /api/stream read as a client does: every event of the asked types, parsed, kept in order. */

export interface StreamEvent {
  type: string;
  // the events' shapes are asserted field by field by the tests
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function openStream(t: Teardown, port: number, token: string, query: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const res = await fetch(`http://127.0.0.1:${port}/api/stream?${query}&access_token=${token}`, { signal: controller.signal });
  if (res.status !== 200) throw new Error(`stream: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  let hello: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (hello = resolve));
  void (async () => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += Buffer.from(value!).toString('utf8');
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const m = /^event: (\w+)\ndata: (.*)$/m.exec(block);
        if (!m) continue;
        if (m[1] === 'hello') hello();
        else if (m[1] !== 'version') events.push({ type: m[1]!, data: JSON.parse(m[2]!) });
      }
    }
  })();
  // subscribed once the hello is written: nothing published after this is missed
  await ready;
  return events;
}
