/**
 * A real HAProxy in front (issue 21): Debian's package, run by scripts/haproxy.sh in `mode tcp`,
 * one frontend forwarding with `send-proxy` (v1) and one with `send-proxy-v2`, both to the
 * gateway's JT/T 808 port, with health checks that carry a header too (`check-send-proxy`).
 * A terminal through each logs in, reports and is acknowledged, and the gateway sees the
 * terminal's address. Both sides are loopback, so the address alone proves nothing: the port
 * does: session.remote carries the terminal's own local port (HAProxy's connection to the
 * gateway has another), which only the header can have told the gateway.
 *
 * HAProxy is installed on first use (apt); if that fails, so does this test, with the script's
 * output (run `HAPROXY_BACKEND=127.0.0.1:6808 scripts/haproxy.sh start` by hand to see why).
 */
import t from 'tap';
import { RESULT } from '../../decoders/index.js';
import { haproxy } from '../sinks/helpers/servers.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

/** HAProxy's frontends: v1 on this port, v2 on the next (test/sinks/helpers/servers.ts keeps the table of ports). */
const PORT = 16808;

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

t.test('terminals through HAProxy (send-proxy, send-proxy-v2) are seen from their own address and port', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'any' } });
  const balancer = await haproxy(t, PORT, `127.0.0.1:${server.ports.jt808}`);
  t.equal(balancer.url, `127.0.0.1:${PORT}`);

  for (const [version, port, phone] of [
    ['v1 (send-proxy)', PORT, '013800006001'],
    ['v2 (send-proxy-v2)', PORT + 1, '013800006002'],
  ] as const) {
    const term = await TestTerminal.tcp(port, { phone });
    t.teardown(() => term.close());
    await term.login();
    t.equal((await term.ackOf(term.send(0x0200, locationBody()))).result, RESULT.ok, `${version}: the report through HAProxy is acknowledged`);
    const detail = (await (await fetch(`http://127.0.0.1:${server.ports.http}/api/terminals/${phone.slice(1)}`)).json()) as { session: { remote: string } | null };
    t.equal(detail.session?.remote, `127.0.0.1:${term.localPort}`, `${version}: the session's remote is the terminal's own address and port, from the header`);
  }

  // HAProxy checks each backend every 500 ms, a header on each check (v2: LOCAL): let a few pass
  await new Promise((r) => setTimeout(r, 1500));
  for (const reason of ['missing', 'malformed', 'timeout', 'too_long']) {
    t.equal(await metric(server.ports.http, `dipper_proxy_protocol_refused_total{reason="${reason}"}`), 0, `${reason}: no header refused (HAProxy's health checks included)`);
  }
});
