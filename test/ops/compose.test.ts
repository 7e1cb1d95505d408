/**
 * docker/: the compose file and the Dockerfile. A real compose implementation validates the file:
 * scripts/compose.sh runs `docker compose config` where the plugin exists, otherwise Debian's
 * docker-compose 1.29 (installed on first use; its `config` needs no engine). This machine has
 * only the docker client (no compose plugin, no engine), so it is the latter here. Structural
 * checks with js-yaml add what compose does not know: every service the issue asks for, KRaft
 * Kafka, mounted and built files exist, DIPPER_* variables are the documented contract,
 * Prometheus's config passes `promtool check config`, and the Dockerfile is multi-stage,
 * non-root, with a healthcheck.
 *
 * Issue 14 §7 ("the container stack publishes its insides"): only the JT/T 808 listener and the
 * API/page are published to the network (Prometheus and Grafana on the host's loopback only),
 * Mosquitto takes no anonymous clients, Grafana has no anonymous viewers, and every secret is
 * `${VAR:?...}`: compose refuses to start without it, naming it. docker/.env.example lists them.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import t from 'tap';
import { load } from 'js-yaml';
import { ENVIRONMENT } from '../../server/config.js';
import { run } from './helpers.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  healthcheck?: { test: string[] };
}

// the first scripts/compose.sh may install docker-compose, waiting (up to 600 s: scripts/apt.sh) for
// another apt-get or dpkg running beside it to finish: this file's time bound allows for that wait
t.setTimeout(900_000);
const INSTALL_BOUND_MS = 800_000;

const COMPOSE = 'docker/compose.yaml';
const TEXT = readFileSync(COMPOSE, 'utf8');
const compose = load(TEXT) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** The secrets the stack needs; each must be set for compose to start. */
const SECRETS = ['DIPPER_API_TOKENS', 'PROMETHEUS_TOKEN', 'MOSQUITTO_PASSWORD', 'DIPPER_INFLUX_TOKEN', 'INFLUXDB_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'];

/** Every variable docker/.env.example lists, filled with a stand-in value. */
function exampleEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync('docker/.env.example', 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = `stand-in-${m[1]!.toLowerCase()}`;
  }
  return env;
}

/** The environment compose runs in: this process's, without any of the stack's variables, plus `extra`. */
function composeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(exampleEnv())) delete env[k];
  return { ...env, ...extra };
}

t.test('a compose implementation accepts the file (scripts/compose.sh ... config)', async (t) => {
  try {
    const { stdout, stderr } = await run('scripts/compose.sh', ['-f', COMPOSE, 'config', '-q'], { timeout: INSTALL_BOUND_MS, env: composeEnv(exampleEnv()) });
    t.equal(stdout.trim(), '', `compose config: valid ${stderr.trim()}`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    t.fail(`scripts/compose.sh config refused docker/compose.yaml (or could not install docker-compose: needs root and apt): ${err.stderr ?? ''}${err.stdout ?? err.message}`);
  }
});

t.test('without a secret, compose refuses to start and names the variable', async (t) => {
  for (const missing of SECRETS) {
    const env = exampleEnv();
    delete env[missing];
    try {
      await run('scripts/compose.sh', ['-f', COMPOSE, 'config', '-q'], { timeout: INSTALL_BOUND_MS, env: composeEnv(env) });
      t.fail(`compose accepted the file without ${missing}`);
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string };
      t.match(`${err.stderr ?? ''}${err.stdout ?? ''}`, new RegExp(`set ${missing}\\b`), `without ${missing}: refused, naming it`);
    }
  }
});

t.test('every secret comes from the environment with no default; .env.example lists them empty', async (t) => {
  const interpolations = [...TEXT.matchAll(/\$\{([A-Z0-9_]+)(:?[-?])?([^}]*)\}/g)];
  for (const name of SECRETS) {
    const uses = interpolations.filter((m) => m[1] === name);
    t.ok(uses.length > 0, `${name} is used`);
    for (const m of uses) t.ok(m[2] === ':?' && m[3]!.includes(name), `\${${name}:?...} names itself when unset (${m[0].slice(0, 60)})`);
  }
  // the one secret with a fallback: empty makes the gateway generate its own (never a shared default)
  for (const m of interpolations.filter((m) => (m[2] === ':-' || m[2] === '-') && /PASSWORD|TOKEN|SECRET/.test(m[1]!))) t.same([m[1], m[3]], ['DIPPER_AUTH_SECRET', ''], `only DIPPER_AUTH_SECRET may default, and only to empty (${m[0]})`);
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (!/PASSWORD|TOKEN|SECRET/.test(key)) continue;
      t.match(String(value), /^\$\{[A-Z0-9_]+:[?-]/, `${name}: ${key} comes from the environment`);
    }
  }
  const example = readFileSync('docker/.env.example', 'utf8');
  for (const m of interpolations) t.match(example, new RegExp(`^${m[1]}=$`, 'm'), `docker/.env.example lists ${m[1]}, empty`);
  t.match(readFileSync('.gitignore', 'utf8'), /^docker\/\.env$/m, 'docker/.env is never committed');
});

t.test('published: only the JT/T 808 listener and the API/page; the rest on the compose network or the host loopback', async (t) => {
  const open: string[] = [];
  for (const [name, s] of Object.entries(services)) {
    for (const p of s.ports ?? []) if (!p.startsWith('127.0.0.1:')) open.push(`${name} ${p}`);
  }
  t.same(open.sort(), ['gateway 6808:6808/tcp', 'gateway 6808:6808/udp', 'gateway 8080:8080'], 'reachable from the network');
  for (const name of ['mosquitto', 'influxdb', 'kafka', 'map-api']) t.same(services[name]?.ports ?? [], [], `${name}: not published`);
});

t.test('no anonymous access: Mosquitto needs a password, Grafana a login; the gateway gets its tokens and broker login from the environment', async (t) => {
  const conf = readFileSync('docker/mosquitto.conf', 'utf8');
  t.match(conf, /^allow_anonymous false$/m, 'Mosquitto: allow_anonymous false');
  t.notMatch(conf, /^allow_anonymous true/m);
  const passwordFile = /^password_file (\S+)$/m.exec(conf)?.[1];
  t.ok(passwordFile, 'Mosquitto: a password file');
  t.match((services.mosquitto as { entrypoint?: string[] }).entrypoint?.join(' ') ?? '', new RegExp(`mosquitto_passwd -c -b ${passwordFile} dipper "\\$\\$MOSQUITTO_PASSWORD"`), 'made from MOSQUITTO_PASSWORD at start');
  const grafana = services.grafana?.environment ?? {};
  t.equal(String(grafana.GF_AUTH_ANONYMOUS_ENABLED), 'false', 'Grafana: anonymous off');
  t.notOk('GF_AUTH_ANONYMOUS_ORG_ROLE' in grafana);
  const gateway = services.gateway?.environment ?? {};
  t.equal(gateway.DIPPER_MQTT_USERNAME, 'dipper', 'gateway logs in to Mosquitto as dipper');
  t.match(String(gateway.DIPPER_MQTT_PASSWORD), /^\$\{MOSQUITTO_PASSWORD:\?/);
  for (const name of ['gateway', 'map-api']) {
    t.match(String(services[name]?.environment?.DIPPER_API_TOKENS), /^\$\{DIPPER_API_TOKENS:\?/, `${name}: API tokens from the environment`);
    t.equal(services[name]?.environment?.DIPPER_HTTP_HOST, '0.0.0.0', `${name}: listens in its container (tokens required there)`);
  }
  const prom = load(readFileSync('docker/prometheus.yml', 'utf8')) as { scrape_configs: { job_name: string; authorization?: { credentials_file?: string } }[] };
  for (const job of prom.scrape_configs.filter((c) => c.job_name.startsWith('dipper-'))) t.equal(job.authorization?.credentials_file, '/prometheus/dipper-token', `${job.job_name}: scrapes /metrics with a token`);
  t.match((services.prometheus as { entrypoint?: string[] }).entrypoint?.join(' ') ?? '', /PROMETHEUS_TOKEN" > \/prometheus\/dipper-token/, 'the token file is written from PROMETHEUS_TOKEN');
});

t.test('the stack the issue asks for', async (t) => {
  for (const name of ['gateway', 'map-api', 'kafka', 'influxdb', 'mosquitto', 'prometheus', 'grafana']) t.ok(services[name], `service ${name}`);
  t.match(services.influxdb?.image, /^influxdb:2\./, 'InfluxDB 2');
  const kafka = services.kafka?.environment ?? {};
  t.match(String(kafka.KAFKA_PROCESS_ROLES), /controller/, 'Kafka in KRaft mode (broker and controller, no ZooKeeper)');
  t.ok(kafka.KAFKA_CONTROLLER_QUORUM_VOTERS, 'KRaft quorum');
  t.notOk(Object.values(services).some((s) => /zookeeper/i.test(s.image ?? '')), 'no ZooKeeper');
  t.equal(services.gateway?.build?.dockerfile, 'docker/Dockerfile');
  t.equal(services['map-api']?.build?.dockerfile, 'docker/Dockerfile', 'map API: the same image, another command');
  t.not(services['map-api']?.command?.join(' '), services.gateway?.command?.join(' '));
  t.equal(services['map-api']?.environment?.DIPPER_KAFKA_BROKERS, 'kafka:9092', 'map API fed from Kafka');
  t.equal(services.gateway?.environment?.DIPPER_KAFKA_BROKERS, 'kafka:9092');
  t.ok(services.gateway?.ports?.includes('6808:6808/udp') && services.gateway.ports.includes('6808:6808/tcp'), 'JT/T 808 over TCP and UDP');
});

t.test('references resolve: services, volumes, files', async (t) => {
  const names = new Set(Object.keys(services));
  for (const [name, s] of Object.entries(services)) {
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) t.ok(names.has(d), `${name} depends on ${d}, a service`);
    for (const v of s.volumes ?? []) {
      const [source] = v.split(':');
      if (source!.startsWith('.')) t.ok(existsSync(resolve('docker', source!)), `${name}: ${source} exists`);
      else t.ok(source! in (compose.volumes ?? {}), `${name}: volume ${source} declared`);
    }
    for (const p of s.ports ?? []) t.match(p, /^(127\.0\.0\.1:)?\d+:\d+(\/(tcp|udp))?$/, `${name}: port ${p}`);
    if (s.build) t.ok(existsSync(resolve('docker', s.build.context, s.build.dockerfile)), `${name}: build file exists`);
    if (s.command) {
      // the image runs compiled JavaScript: dist/<path>.js is built from <path>.ts
      const entry = s.command[0]!;
      t.match(entry, /^dist\/.+\.js$/, `${name}: runs a compiled module (${entry})`);
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      t.ok(existsSync(source), `${name}: ${entry} is built from ${source}, which exists`);
    }
  }
});

t.test('the gateway is configured only through the documented DIPPER_* contract', async (t) => {
  for (const name of ['gateway', 'map-api']) {
    for (const key of Object.keys(services[name]?.environment ?? {})) {
      t.ok(key in ENVIRONMENT, `${name}: ${key} is a documented variable (gateway/config.ts ENVIRONMENT)`);
    }
  }
});

t.test('Prometheus scrapes the gateway and map-API services', async (t) => {
  const config = 'docker/prometheus.yml';
  // promtool checks that the token file exists: the container writes it at start, so check a copy pointing at a stand-in
  const dir = mkdtempSync(join(tmpdir(), 'dipper-prom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), 'stand-in');
  writeFileSync(join(dir, 'prometheus.yml'), readFileSync(config, 'utf8').replaceAll('/prometheus/dipper-token', join(dir, 'token')));
  copyFileSync('docker/alerts.yml', join(dir, 'alerts.yml'));
  const { stdout } = await run('scripts/prometheus.sh', ['promtool', 'check', 'config', join(dir, 'prometheus.yml')], { timeout: 180_000 });
  t.match(stdout, /SUCCESS/, 'promtool check config');
  const prom = load(readFileSync(config, 'utf8')) as { scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[] };
  const scraped = prom.scrape_configs.flatMap((c) => c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`));
  t.ok(scraped.includes('gateway:8080') && scraped.includes('map-api:8080'), `scrapes ${scraped.join(', ')}`);
  const mount = services.prometheus?.volumes?.find((v) => v.includes('/etc/prometheus/prometheus.yml'));
  t.ok(mount?.startsWith('./prometheus.yml:'), 'compose mounts this file');
});

t.test('Dockerfile: multi-stage, non-root, healthcheck, and a context that has what it copies', async (t) => {
  const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
  const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
  t.ok(stages.length >= 2, `multi-stage (${stages.length} stages)`);
  t.match(dockerfile, /COPY --from=deps/, 'runtime takes the dependencies from the build stage');
  const users = dockerfile.match(/^USER (\S+)$/gm) ?? [];
  t.ok(users.length > 0 && !/root|^USER 0/.test(users.at(-1)!), `runs as ${users.at(-1)}`);
  t.match(dockerfile, /^HEALTHCHECK .*\n?.*readyz/m, 'healthcheck on /readyz');
  t.match(dockerfile, /npm ci --omit=dev/, 'production dependencies from the lockfile');
  // issue 15: built in a build stage; the runtime stage runs compiled JavaScript, never tsx or a build
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const build = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
  t.match(build, /^RUN npm ci --no-audit/m, 'the build stage installs the dev dependencies (esbuild, tsx)');
  t.match(build, /^RUN npm run --silent build$/m, 'the build stage runs npm run build (server and page)');
  t.match(runtime, /COPY --from=build .*\/app\/dist \.\/dist/, 'the runtime takes dist/ from the build stage');
  t.match(runtime, /COPY --from=build .*\/app\/web\/dist \.\/web\/dist/, 'and the built page');
  t.notMatch(runtime, /^COPY [^\n]* \. \.$/m, 'not the sources');
  t.notMatch(runtime, /tsx|npm run|\.ts\b/, 'no tsx, no build, no TypeScript in the runtime stage');
  const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(runtime)?.[1] ?? '[]') as string[];
  const cmd = JSON.parse(/^CMD (.+)$/m.exec(runtime)?.[1] ?? '[]') as string[];
  t.same([...entrypoint, ...cmd], ['node', '--max-semi-space-size=32', 'dist/server/main.js'], 'node runs the compiled entry point with npm start\'s flags');
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  t.equal(start, [...entrypoint, ...cmd].join(' '), 'the same command as npm start');
  for (const f of ['package.json', 'package-lock.json']) t.ok(existsSync(f), `${f} in the context`);
  const ignore = readFileSync('docker/Dockerfile.dockerignore', 'utf8');
  t.match(ignore, /node_modules/, 'the host node_modules stays out of the context');
  t.equal(dirname('docker/Dockerfile.dockerignore'), 'docker', 'BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile');
});
