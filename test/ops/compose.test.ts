/**
 * docker/: the compose file and the Dockerfile. A real compose implementation validates the file:
 * scripts/compose.sh runs `docker compose config` where the plugin exists, otherwise Debian's
 * docker-compose 1.29 (installed on first use; its `config` needs no engine). This machine has
 * only the docker client (no compose plugin, no engine), so it is the latter here. Structural
 * checks with js-yaml add what compose does not know: every service the issue asks for, KRaft
 * Kafka, mounted and built files exist, DIPPER_* variables are the documented contract,
 * Prometheus's config passes `promtool check config`, and the Dockerfile is multi-stage,
 * non-root, with a healthcheck.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import t from 'tap';
import { load } from 'js-yaml';
import { ENVIRONMENT } from '../../gateway/config.js';
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

const COMPOSE = 'docker/compose.yaml';
const compose = load(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

t.test('a compose implementation accepts the file (scripts/compose.sh ... config)', async (t) => {
  try {
    const { stdout, stderr } = await run('scripts/compose.sh', ['-f', COMPOSE, 'config', '-q'], { timeout: 300_000 });
    t.equal(stdout.trim(), '', `compose config: valid ${stderr.trim()}`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    t.fail(`scripts/compose.sh config refused docker/compose.yaml (or could not install docker-compose: needs root and apt): ${err.stderr ?? ''}${err.stdout ?? err.message}`);
  }
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
    for (const p of s.ports ?? []) t.match(p, /^\d+:\d+(\/(tcp|udp))?$/, `${name}: port ${p}`);
    if (s.build) t.ok(existsSync(resolve('docker', s.build.context, s.build.dockerfile)), `${name}: build file exists`);
    if (s.command?.[0]?.endsWith('.ts')) {
      const entry = s.command[0];
      if (existsSync(entry)) t.pass(`${name}: ${entry} exists`);
      else t.fail(`${name}: ${entry} does not exist`);
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
  const { stdout } = await run('scripts/prometheus.sh', ['promtool', 'check', 'config', config], { timeout: 180_000 });
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
  t.ok(dockerfile.indexOf('build:web') < dockerfile.indexOf('USER node'), 'the map page is built while the image is root, not at start by a user who cannot write /app');
  for (const f of ['package.json', 'package-lock.json']) t.ok(existsSync(f), `${f} in the context`);
  const ignore = readFileSync('docker/Dockerfile.dockerignore', 'utf8');
  t.match(ignore, /node_modules/, 'the host node_modules stays out of the context');
  t.equal(dirname('docker/Dockerfile.dockerignore'), 'docker', 'BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile');
});
