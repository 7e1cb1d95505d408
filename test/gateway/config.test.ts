import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, configArgument, loadConfig, validate } from '../../server/config.js';

t.test('schema defaults and config/default.json agree', async (t) => {
  const fromSchema = validate({});
  const fromFile = validate(JSON.parse(readFileSync('config/default.json', 'utf8')));
  t.same(fromFile, fromSchema);
  t.equal(fromSchema.jt808.port, 6808);
  t.equal(fromSchema.http.port, 8080);
  t.equal(fromSchema.mqtt.port, 1883);
  t.equal(fromSchema.h3.resolution, 9);
});

t.test('file, then environment, override defaults', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ jt808: { port: 7000, maxPerIp: 3 }, auth: { secret: 'from-file-secret-of-at-least-32-bytes' } }));
  const c = loadConfig({
    defaultsFile: null,
    file,
    env: { DIPPER_JT808_PORT: '0', DIPPER_ALLOW_ANONYMOUS: 'true', DIPPER_DEVICES: '/tmp/d.csv', DIPPER_HTTP_PORT: '9090' },
  });
  t.equal(c.jt808.port, 0, 'environment wins over the file');
  t.equal(c.jt808.maxPerIp, 3, 'file wins over defaults');
  t.equal(c.auth.secret, 'from-file-secret-of-at-least-32-bytes');
  t.equal(c.auth.allowAnonymous, true);
  t.equal(c.devices, '/tmp/d.csv');
  t.equal(c.http.port, 9090);
});

t.test('a bad value is refused with the key named', async (t) => {
  t.throws(() => loadConfig({ defaultsFile: null, env: { DIPPER_JT808_PORT: 'abc' } }), { name: 'ConfigError', message: /jt808\.port/ });
  t.throws(() => loadConfig({ defaultsFile: null, env: { DIPPER_HTTP_PORT: '70000' } }), /http\.port/);
  t.throws(() => validate({ jt808: { prot: 1 } }), /jt808/, 'misspelt key');
  t.throws(() => validate({ auth: { unknownTerminals: 'maybe' } }), /auth\.unknownTerminals/);
  t.throws(() => validate({ queue: { highWater: 10, lowWater: 20 } }), ConfigError);
  t.throws(() => loadConfig({ defaultsFile: '/nonexistent/x.json' }), /cannot read/);
});

t.test('--config argument', async (t) => {
  t.equal(configArgument(['--config', 'a.json']), 'a.json');
  t.equal(configArgument(['--config=b.json']), 'b.json');
  t.equal(configArgument([]), undefined);
  t.throws(() => configArgument(['--config']), ConfigError);
});

t.test('containers pass API tokens and the broker login through the environment (DIPPER_API_TOKENS is JSON)', async (t) => {
  const tokens = [{ token: 'prometheus-token-0123456789abcdef', org: '', name: 'prometheus' }];
  const c = loadConfig({ defaultsFile: null, env: { DIPPER_API_TOKENS: JSON.stringify(tokens), DIPPER_MQTT_USERNAME: 'dipper', DIPPER_MQTT_PASSWORD: 'p4ss', DIPPER_HTTP_HOST: '0.0.0.0' } });
  t.same(c.api.tokens.map((x) => [x.token, x.org, x.name]), [['prometheus-token-0123456789abcdef', '', 'prometheus']]);
  t.equal(c.mqttExternal.username, 'dipper');
  t.equal(c.mqttExternal.password, 'p4ss');
  t.equal(c.http.host, '0.0.0.0');
  const bad = 'not-json secret-value-0123456789';
  t.throws(() => loadConfig({ defaultsFile: null, env: { DIPPER_API_TOKENS: bad } }), { name: 'ConfigError', message: /DIPPER_API_TOKENS: not valid JSON$/ }, 'named, without echoing the value');
  t.throws(() => loadConfig({ defaultsFile: null, env: { DIPPER_API_TOKENS: '[{"token":"short"}]' } }), /api\.tokens/, 'validated like a file');
});

t.test('every bad setting is reported at once, each with what is allowed', async (t) => {
  // allowed values written from their sources, not from the schema: pino's level names
  // (pino docs, "logger.level"), the README's delivery modes, the README's jt808.* keys
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  const bad = {
    log: { level: 'bogus' },
    delivery: { mode: 'exactly-once' },
    jt808: { prot: 5, port: 'x' },
    queue: { batch: 0 },
    auth: { secret: 'short-secret' },
    mqttExternal: { password: 'hunter2-the-password', url: 'http://x' },
    influx: { url: 'influx:8086' },
    web: { timeZone: 'Asia/Wuhan' }, // no such IANA zone: China is all Asia/Shanghai
  };
  let message = '';
  try {
    validate(bad);
  } catch (e) {
    t.type(e, ConfigError);
    message = (e as Error).message;
  }
  const lines = message.split('\n');
  t.match(lines[0], /^invalid configuration, 9 problems:$/);
  const line = (key: string) => lines.find((l) => l.trimStart().startsWith(`${key}:`)) ?? `(no line for ${key})`;
  t.equal(line('log.level').trim(), `log.level: Expected union value (got "bogus"); allowed: one of ${levels.map((l) => `"${l}"`).join(', ')}`);
  t.equal(line('delivery.mode').trim(), 'delivery.mode: Expected union value (got "exactly-once"); allowed: one of "auto", "durable", "fast"');
  t.match(line('jt808.prot'), /jt808\.prot: Unexpected property \(got 5\); known keys here: .*\bport\b/);
  t.match(line('jt808.prot'), /\bhost, port, udp\b/, 'the section\'s keys');
  t.match(line('jt808.port'), /jt808\.port: Expected integer \(got "x"\)/);
  t.match(line('queue.batch'), /queue\.batch: Expected integer to be greater or equal to 1 \(got 0\)/);
  t.match(line('auth.secret'), /auth\.secret: at least 32 bytes \(got 12\)/, 'the checks beyond the schema too');
  t.match(line('mqttExternal.url'), /"http:\/\/x" is not an mqtt:\/\//);
  t.match(line('influx.url'), /"influx:8086" is not an http\(s\):\/\/ URL/);
  t.match(line('web.timeZone'), /"Asia\/Wuhan" is not an IANA time zone/);
  t.notMatch(message, /hunter2|short-secret/, 'credentials never echoed');
});

t.test('under api.tokens values stay unshown, and what is allowed is still listed', async (t) => {
  // rights per the README (Live command-map API): read, command, admin
  t.throws(() => validate({ api: { tokens: [{ token: 'tok-0123456789abcdef', rights: ['write'] }] } }), {
    message: /api\.tokens\.0\.rights\.0: Expected union value \(got a value that is not shown\); allowed: one of "read", "command", "admin"$/,
  });
  let message = '';
  try {
    validate({ api: { tokens: [{ token: 'tok-0123456789abcdef', secret: 'my-private-value' }] } });
  } catch (e) {
    message = (e as Error).message;
  }
  t.match(message, /api\.tokens\.0\.secret: Unexpected property \(got a value that is not shown\); known keys here: token, org, name, rights/);
  t.notMatch(message, /my-private-value/);
});
