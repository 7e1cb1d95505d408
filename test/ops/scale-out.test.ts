/**
 * Scale-out, as README Operations describes it: nothing pins a terminal to one gateway. A
 * terminal registers on gateway A, moves to gateway B (same auth.secret) and authenticates
 * there with the code A gave it; its reports are answered and counted by B. A gateway with
 * another secret refuses the code, so the secret is what the fleet of gateways shares.
 */
import t from 'tap';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { sample, scrape } from './helpers.js';

t.test('an auth code from one gateway is accepted by another with the same secret', async (t) => {
  const a = await startTestServer(t, { auth: { secret: 'fleet-secret-shared-by-every-gateway' } });
  const b = await startTestServer(t, { auth: { secret: 'fleet-secret-shared-by-every-gateway' } });
  const other = await startTestServer(t, { auth: { secret: 'another-secret-of-another-fleet!!' } });

  const onA = await TestTerminal.tcp(a.ports.jt808, { phone: '013900000101' });
  const { result, authCode } = await onA.register();
  t.equal(result, 0, 'registered on A');
  t.equal(await onA.authenticate(authCode), 0, 'authenticated on A');
  onA.close();

  // the balancer sends the reconnect to B: no registration, the stored code only
  const onB = await TestTerminal.tcp(b.ports.jt808, { phone: '013900000101' });
  t.teardown(() => onB.close());
  t.equal(await onB.authenticate(authCode), 0, "B accepts A's code");
  t.equal((await onB.ackOf(onB.send(0x0200, locationBody()))).result, 0, 'B answers its reports');
  const metricsB = await scrape(b.ports.http);
  t.equal(sample(metricsB, 'dipper_sessions{state="authenticated"}'), 1, 'B holds the session');
  t.equal(sample(metricsB, 'dipper_frames_in_total{msg_id="0x0200"}'), 1);
  t.equal(sample(metricsB, 'dipper_frames_in_total{msg_id="0x0100"}'), 0, 'no registration on B (the series is there from the start, at 0)');

  const onOther = await TestTerminal.tcp(other.ports.jt808, { phone: '013900000101' });
  t.teardown(() => onOther.close());
  t.not(await onOther.authenticate(authCode), 0, 'a gateway with another secret refuses the code');
});
