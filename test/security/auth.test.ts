/**
 * Issue 14, section 2: "anyone can log in as any terminal". Each attack is reproduced as an
 * attacker would, from the standard and the README only, over real TCP against a real gateway:
 * - the auth code under the documented default secret, sent with no 0x0100 first;
 * - 0x0100 for someone else's phone (registry entry or not) handing out that phone's code;
 * - kicking a logged-in terminal off with a second login;
 * - minting registrations in bulk from one address;
 * - auth codes printed in the hex of logged bad frames.
 * 0x8100 result codes are the standard's (2013 §8.6): 0 ok, 1 vehicle already registered,
 * 2 no such vehicle, 3 terminal already registered, 4 no such terminal.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { encode } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { validate } from '../../server/config.js';
import { silentLogger } from '../../gateway/log.js';
import type { Logger } from '../../gateway/log.js';
import { startServer } from '../../server/server.js';
import { RegistrationLimiter } from '../../gateway/session/registration-limiter.js';
import type { Server } from '../../server/server.js';
import { sample, scrape } from '../ops/helpers.js';
import { startTestServer, testConfig } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, authBody, locationBody, registrationBody } from '../gateway/helpers/terminal.js';

const RESULT_8100 = { ok: 0, vehicleTaken: 1, noVehicle: 2, terminalTaken: 3, noTerminal: 4 };

/** 0x0100 with the given fields over the helper's defaults -> 0x8100 body. */
async function registerAs(term: TestTerminal, over: { terminalId?: string; plate?: string } = {}): Promise<{ result: number; authCode: string }> {
  const serial = term.send(0x0100, { ...registrationBody(), ...over });
  const m = (await term.next((d) => d.msgId === 0x8100 && (d as Message<{ ackSerial: number }>).body.ackSerial === serial)) as Message<{ result: number; authCode?: string }>;
  return { result: m.body.result, authCode: m.body.authCode ?? '' };
}

/** A logger whose JSON lines a test can read. */
function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

function registryFile(dir: string, terminals: object[]): string {
  const file = join(dir, 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals }));
  return file;
}

t.test('the documented default secret is gone: a code computed from the README is refused', async (t) => {
  // no auth.secret anywhere (the schema default applies): what a quick install runs with
  const config = testConfig();
  const { secret: _omit, ...authWithout } = config.auth;
  const plain = validate({ ...config, auth: authWithout });
  const { log, lines } = capturingLogger();
  const server = await startServer(plain, log);
  t.teardown(async () => {
    await server.close();
    rmSync(plain.dataDir, { recursive: true, force: true });
  });
  const phone = '013912345678';
  // README: "Auth codes are HMAC-SHA256(secret, terminal) (16 hex characters)", default secret dipper-dev-secret
  const forged = createHmac('sha256', 'dipper-dev-secret').update('jt808:13912345678').digest('hex').slice(0, 16);
  const attacker = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => attacker.close());
  t.not(await attacker.authenticate(forged), 0, 'a code under the old default secret is refused');
  t.equal((await attacker.ackOf(attacker.send(0x0200, locationBody()))).result, 1, 'its position is refused (result 1)');
  t.equal(server.map.index.position('13912345678'), undefined, 'and never reaches the map');

  // the gateway made its own secret, kept in dataDir (0600), and said so without printing it
  const files = readdirSync(plain.dataDir).filter((f) => /secret/.test(f));
  t.equal(files.length, 1, 'one secret file in dataDir');
  const file = join(plain.dataDir, files[0]!);
  t.equal(statSync(file).mode & 0o777, 0o600, 'file mode 0600');
  const secret = readFileSync(file, 'utf8').trim();
  t.ok(Buffer.byteLength(secret) >= 32, 'at least 32 bytes');
  t.ok(lines.some((l) => /generated/i.test(l) && /secret/i.test(l)), 'the generation is logged');
  t.notOk(lines.some((l) => l.includes(secret)), 'the secret itself is never logged');
});

t.test('a generated secret survives a restart: codes handed out before still authenticate', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-sec-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const base = testConfig({ dataDir });
  const { secret: _omit, ...authWithout } = base.auth;
  const config = validate({ ...base, auth: authWithout });
  let server: Server = await startServer(config, silentLogger());
  let term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000201' });
  const { result, authCode } = await term.register();
  t.equal(result, 0);
  term.close();
  await server.close();
  server = await startServer(config, silentLogger());
  t.teardown(() => server.close());
  term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000201' });
  t.teardown(() => term.close());
  t.equal(await term.authenticate(authCode), 0, 'same secret after the restart');
});

t.test('a configured secret shorter than 32 bytes refuses to start (exit 2, naming auth.secret)', async (t) => {
  t.throws(() => testConfig({ auth: { secret: 'short-secret' } }), /auth\.secret/, 'validate refuses it');
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-sec-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DIPPER_AUTH_SECRET: 'dipper-dev-secret', DIPPER_JT808_PORT: '0', DIPPER_ATTACHMENTS_PORT: '0', DIPPER_HTTP_PORT: '0', DIPPER_MQTT_PORT: '0', DIPPER_MQTT_WS_PORT: '0', DIPPER_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    // started instead of refusing: stop it, the test fails on the exit code
    if (out.includes('listening')) child.kill('SIGKILL');
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.equal(code, 2, 'exit 2');
  t.match(err, /auth\.secret/, 'the message names auth.secret');
});

t.test('0x0100 for a registry phone from another terminal is refused and hands out no code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-sec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const devices = registryFile(dir, [
    { terminal: '13900000301', category: 'vehicle', org: 'wuhan', plate: 'E-A12345', terminalId: 'T000001' },
    { terminal: '13900000302', category: 'vehicle', org: 'wuhan', plate: 'E-B00002', terminalId: 'T000002' },
  ]);
  for (const unknownTerminals of ['register', 'refuse'] as const) {
    const server = await startTestServer(t, { devices, auth: { unknownTerminals } });
    const attacker = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000301' });
    t.teardown(() => attacker.close());
    const other = await registerAs(attacker, { terminalId: 'EVIL001', plate: 'E-A12345' });
    t.equal(other.result, RESULT_8100.terminalTaken, `${unknownTerminals}: another terminal ID: 3 (terminal already registered)`);
    t.equal(other.authCode, '', 'no code');
    const plate = await registerAs(attacker, { terminalId: 'T000001', plate: 'E-B00002' });
    t.equal(plate.result, RESULT_8100.vehicleTaken, "another registry vehicle's plate: 1 (vehicle already registered)");
    t.equal(plate.authCode, '', 'no code');
    const noPlate = await registerAs(attacker, { terminalId: 'T000001', plate: 'E-Z99999' });
    t.equal(noPlate.result, RESULT_8100.noVehicle, 'a plate not in the registry: 2 (no such vehicle)');
    // the real terminal: same terminal ID and plate, re-registered any number of times
    const real = await registerAs(attacker, { terminalId: 'T000001', plate: 'E-A12345' });
    t.equal(real.result, RESULT_8100.ok, 'the registered terminal: 0');
    t.equal((await registerAs(attacker, { terminalId: 'T000001', plate: 'E-A12345' })).result, RESULT_8100.ok, 're-registration: 0');
    t.equal(await attacker.authenticate(real.authCode), 0, 'its code authenticates');
  }
});

t.test('an unknown phone is bound to the terminal that registered it first, across a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-sec-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const phone = '013900000401';
  let server = await startServer(testConfig({ dataDir }), silentLogger());
  const real = await TestTerminal.tcp(server.ports.jt808, { phone });
  const first = await registerAs(real, { terminalId: 'REAL001' });
  t.equal(first.result, RESULT_8100.ok, 'the first registration of the phone');
  real.close();
  const stranger = await TestTerminal.tcp(server.ports.jt808, { phone });
  const stolen = await registerAs(stranger, { terminalId: 'EVIL001' });
  t.equal(stolen.result, RESULT_8100.terminalTaken, 'another terminal ID for the same phone: 3');
  t.equal(stolen.authCode, '', 'no code');
  stranger.close();
  await server.close();

  server = await startServer(testConfig({ dataDir }), silentLogger());
  t.teardown(() => server.close());
  const again = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => again.close());
  t.equal((await registerAs(again, { terminalId: 'EVIL001' })).result, RESULT_8100.terminalTaken, 'still refused after a restart');
  const back = await registerAs(again, { terminalId: 'REAL001' });
  t.equal(back.result, RESULT_8100.ok, 'the real terminal re-registers');
  t.equal(await again.authenticate(back.authCode), 0, 'and authenticates');
});

t.test('auth codes are bound to the terminal ID and epoch: bumping the epoch revokes one terminal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-sec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const e501 = { terminal: '13900000501', category: 'vehicle', org: 'wuhan', terminalId: 'T000501' };
  const e502 = { terminal: '13900000502', category: 'vehicle', org: 'wuhan', terminalId: 'T000502' };
  const devices = registryFile(dir, [e501, e502]);
  const server = await startTestServer(t, { devices });
  const codeOf = async (phone: string, terminalId: string) => {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone });
    const r = await registerAs(term, { terminalId });
    term.close();
    t.equal(r.result, 0, `${phone} registered`);
    return r.authCode;
  };
  const a = await codeOf('013900000501', 'T000501');
  const b = await codeOf('013900000502', 'T000502');
  t.ok(/^[\x21-\x7e]{1,255}$/.test(a), 'printable ASCII within a 2019 codeLen BYTE');

  const tryCode = async (phone: string, code: string) => {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone });
    const r = await term.authenticate(code);
    term.close();
    return r;
  };
  t.not(await tryCode('013900000502', a), 0, "one terminal's code does not open another");

  // revoke terminal 501 only: epoch 1 in the registry, the secret unchanged
  registryFile(dir, [{ ...e501, epoch: 1 }, e502]);
  t.ok(server.gateway.registry.reload());
  t.not(await tryCode('013900000501', a), 0, 'the revoked code is refused');
  t.equal(await tryCode('013900000502', b), 0, "the other terminal's code still works");
  const renewed = await codeOf('013900000501', 'T000501');
  t.not(renewed, a, 'a new code after re-registration');
  t.equal(await tryCode('013900000501', renewed), 0, 'which authenticates');

  // hardware swapped: the registry now names another terminal ID; the old code is refused
  registryFile(dir, [{ ...e501, epoch: 1, terminalId: 'T009999' }, e502]);
  t.ok(server.gateway.registry.reload());
  t.not(await tryCode('013900000501', renewed), 0, 'a code for another terminal ID than the registry names is refused');
});

t.test('nobody can kick a logged-in terminal off without its valid code', async (t) => {
  const server = await startTestServer(t);
  const phone = '013900000601';
  const victim = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => victim.close());
  const { authCode } = await registerAs(victim, { terminalId: 'VICTIM1' });
  t.equal(await victim.authenticate(authCode), 0);

  // 0x0100 alone, even the victim's own terminal ID, never touches the victim's session
  const probe = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => probe.close());
  await registerAs(probe, { terminalId: 'VICTIM1' });
  // the full attack: register as another terminal, then log in with whatever came back
  const attacker = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => attacker.close());
  const stolen = await registerAs(attacker, { terminalId: 'EVIL001' });
  t.not(await attacker.authenticate(stolen.authCode || 'x'), 0, "the attacker's login is refused");
  t.not(await attacker.authenticate('0.00.00000000000000000000000000000000'), 0, 'a made-up code is refused');
  t.equal(victim.closed, false, "the victim's connection is open");
  t.equal((await victim.ackOf(victim.send(0x0200, locationBody()))).result, 0, 'and its reports are answered 0');
  const metrics = await scrape(server.ports.http);
  t.equal(sample(metrics, 'dipper_sessions_replaced_total'), 0, 'no session replaced');

  // the same terminal logging in again (its valid code) does take over: a reconnect
  const reconnect = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => reconnect.close());
  t.equal(await reconnect.authenticate(authCode), 0);
  await until('the older session closed', () => victim.closed);
});

t.test('registrations are rate-limited per source address (0x8100 result 2, counted)', async (t) => {
  const server = await startTestServer(t, { auth: { registrationsPerMinute: 5 } });
  const results: number[] = [];
  for (let i = 0; i < 8; i++) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0139000007${String(i).padStart(2, '0')}` });
    results.push((await registerAs(term, { terminalId: `R${i}` })).result);
    term.close();
  }
  t.same(results.slice(0, 5), [0, 0, 0, 0, 0], 'the first five registrations pass');
  t.same(results.slice(5), [2, 2, 2], 'the rest are answered result 2');
  const metrics = await scrape(server.ports.http);
  t.equal(sample(metrics, 'dipper_registrations_limited_total'), 3, 'counted');
  t.equal(sample(metrics, 'dipper_registration_limiter_addresses'), 1, 'one address tracked');
});

t.test('bad frames logged as hex never print an auth code', async (t) => {
  const config = testConfig();
  const { log, lines } = capturingLogger();
  const server = await startServer(config, log);
  t.teardown(async () => {
    await server.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });
  const phone = '013900000801';
  const term = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => term.close());
  const { authCode } = await registerAs(term, { terminalId: 'LOGGED1' });
  const codeHex = Buffer.from(authCode).toString('hex');
  // a 0x0102 carrying the real code with a broken check code: logged as a bad frame
  for (const version of ['2013', '2019'] as const) {
    const frame = encode({ msgId: 0x0102, version, phone, serial: 7, ...(version === '2019' ? { protocolVersion: 1 } : {}), body: authBody(version, authCode) });
    // flip the check code (never into a flag or escape byte)
    let check = frame[frame.length - 2]! ^ 0x55;
    if (check === 0x7e || check === 0x7d) check ^= 0x01;
    frame[frame.length - 2] = check;
    term.writeRaw(frame);
  }
  await until('two bad frames logged', () => lines.filter((l) => l.includes('"hex"')).length >= 2);
  const logged = lines.filter((l) => l.includes('"hex"'));
  t.ok(logged.every((l) => !l.toLowerCase().includes(codeHex.slice(0, 24))), 'no logged hex holds the code');
  t.ok(logged.every((l) => /0102/.test(l)), 'the header (message ID) is still logged');
  t.equal(await term.authenticate(authCode), 0, 'the terminal itself is unaffected');
});

t.test('with anonymous terminals allowed, an anonymous connection still cannot displace a logged-in one', async (t) => {
  const server = await startTestServer(t, { auth: { allowAnonymous: true } });
  const phone = '013900000901';
  const victim = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => victim.close());
  await victim.login();
  const anonymous = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => anonymous.close());
  t.equal((await anonymous.ackOf(anonymous.send(0x0200, locationBody({ lat: 31 })))).result, 1, "the anonymous report for the victim's phone is refused");
  t.equal(victim.closed, false, 'the victim keeps its session');
  t.equal((await victim.ackOf(victim.send(0x0200, locationBody()))).result, 0);
  t.equal(server.map.index.position('13900000901')?.lat, 30.583, "the map shows the victim's position, not the anonymous one");
});

t.test('the per-address registration state and the phone bindings are bounded', async (t) => {
  const evicted: string[] = [];
  const limiter = new RegistrationLimiter(5, 2, () => evicted.push('x'));
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) limiter.take(ip, 1000);
  t.equal(limiter.size, 2, 'at most auth.registrationAddresses addresses');
  t.equal(evicted.length, 2, 'each forgotten address counted');

  const server = await startTestServer(t, { auth: { rememberedTerminals: 1 } });
  const results: number[] = [];
  for (const [phone, terminalId] of [['013900001001', 'B1'], ['013900001002', 'B2'], ['013900001001', 'B1']] as const) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone });
    results.push((await registerAs(term, { terminalId })).result);
    term.close();
  }
  t.same(results, [0, 2, 0], 'a new phone past auth.rememberedTerminals is refused (result 2); a bound one still registers');
  t.equal(sample(await scrape(server.ports.http), 'dipper_registration_bindings'), 1, 'the bindings are a metric');
});

t.test('processes sharing a dataDir (cluster workers) generating the secret at once all end up with one', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-sec-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const script = `import('./gateway/session/auth-secret.ts').then(async (m) => { const { silentLogger } = await import('./gateway/log.ts'); process.stdout.write(m.loadOrCreateSecret(process.argv[1], silentLogger())); })`;
  const secrets = await Promise.all(
    Array.from({ length: 4 }, () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      }),
    ),
  );
  t.equal(new Set(secrets).size, 1, 'one secret');
  t.equal(secrets[0], readFileSync(join(dataDir, 'auth-secret'), 'utf8').trim(), 'the one in the file');
  t.same(readdirSync(dataDir), ['auth-secret'], 'no temporary file left behind');
});
