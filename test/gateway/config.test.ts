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
