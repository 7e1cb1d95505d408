/**
 * The Grafana dashboards, described once here as panels of PromQL and written as the JSON that
 * Grafana provisions (dashboards/*.json; provisioning/ points Grafana at them).
 * `npm run dashboards` rewrites the JSON; test/ops/dashboards.test.ts fails when it is stale and
 * when a query names a metric the gateway does not register.
 *
 * Every query is scoped by `$instance` (one gateway, several, or all) through `{SEL}`.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Panel {
  title: string;
  /** PromQL; `{SEL}` becomes the instance selector. Several queries: one series group each. */
  exprs: [expr: string, legend: string][];
  unit?: string;
  kind?: 'timeseries' | 'stat';
  description?: string;
  stack?: boolean;
}

interface Board {
  uid: string;
  title: string;
  description: string;
  panels: Panel[];
}

const RATE = '[$__rate_interval]';
const SEL = 'instance=~"$instance"';

export const BOARDS: Board[] = [
  {
    uid: 'dipper-gateway',
    title: 'Dipper / Gateway overview',
    description: 'Connections, throughput, errors and latency of the JT/T 808 gateways',
    panels: [
      { title: 'Connections', kind: 'stat', exprs: [['sum(dipper_connections{SEL})', 'connections']], unit: 'short' },
      { title: 'Authenticated terminals', kind: 'stat', exprs: [['sum(dipper_sessions{SEL, state="authenticated"})', 'authenticated']], unit: 'short' },
      { title: 'Frames in per second', kind: 'stat', exprs: [['sum(rate(dipper_frames_in_total{SEL}' + RATE + '))', 'frames/s']], unit: 'short' },
      { title: 'Decode errors per second', kind: 'stat', exprs: [['sum(rate(dipper_decode_errors_total{SEL}' + RATE + '))', 'errors/s']], unit: 'short' },
      { title: 'Connections by transport', exprs: [['sum by (transport) (dipper_connections{SEL})', '{{transport}}']], unit: 'short' },
      { title: 'Sessions by state', exprs: [['sum by (state) (dipper_sessions{SEL})', '{{state}}']], unit: 'short', stack: true },
      { title: 'Frames in by message ID', exprs: [['sum by (msg_id) (rate(dipper_frames_in_total{SEL}' + RATE + '))', '{{msg_id}}']], unit: 'short', stack: true },
      { title: 'Replies by kind', exprs: [['sum by (kind) (rate(dipper_replies_total{SEL}' + RATE + '))', '{{kind}}']], unit: 'short', stack: true },
      {
        title: 'Bytes in and out',
        exprs: [
          ['sum by (transport) (rate(dipper_received_bytes_total{SEL}' + RATE + '))', 'in {{transport}}'],
          ['-sum by (transport) (rate(dipper_sent_bytes_total{SEL}' + RATE + '))', 'out {{transport}}'],
          ['sum(rate(dipper_junk_bytes_total{SEL}' + RATE + '))', 'junk'],
        ],
        unit: 'Bps',
      },
      { title: 'Decode errors by reason', exprs: [['sum by (reason) (rate(dipper_decode_errors_total{SEL}' + RATE + '))', '{{reason}}']], unit: 'short', stack: true },
      {
        title: 'Refusals and closed connections',
        exprs: [
          ['sum by (reason) (rate(dipper_refusals_total{SEL}' + RATE + '))', 'refused message: {{reason}}'],
          ['sum by (reason) (rate(dipper_connections_refused_total{SEL}' + RATE + '))', 'connection: {{reason}}'],
          ['sum(rate(dipper_sessions_replaced_total{SEL}' + RATE + '))', 'replaced by a newer login'],
        ],
        unit: 'short',
      },
      {
        title: 'Sink queue and backpressure',
        exprs: [
          ['sum(dipper_queue_depth{SEL})', 'queued events'],
          ['sum(dipper_paused_sockets{SEL})', 'paused sockets'],
          ['sum(rate(dipper_backpressure_pauses_total{SEL}' + RATE + '))', 'pauses/s'],
          ['sum(dipper_intake_waiting_connections{SEL})', 'connections with data held by the intake'],
        ],
        unit: 'short',
      },
      {
        title: 'Latency: event loop and sink publish (p99)',
        exprs: [
          ['max by (instance) (dipper_nodejs_eventloop_lag_p99_seconds{SEL})', 'event loop p99 {{instance}}'],
          ['histogram_quantile(0.99, sum by (le, sink) (rate(dipper_sink_publish_seconds_bucket{SEL}' + RATE + ')))', 'publish p99 {{sink}}'],
        ],
        unit: 's',
      },
      {
        title: 'Subpackage reassembly',
        exprs: [
          ['sum(dipper_reassemblies_in_flight{SEL})', 'in flight'],
          ['sum by (outcome) (rate(dipper_reassembly_total{SEL}' + RATE + '))', '{{outcome}}/s'],
        ],
        unit: 'short',
      },
      { title: 'Commands by outcome', exprs: [['sum by (outcome) (rate(dipper_commands_total{SEL}' + RATE + '))', '{{outcome}}']], unit: 'short', stack: true },
      {
        title: 'Process: CPU and memory',
        exprs: [
          ['rate(dipper_process_cpu_seconds_total{SEL}' + RATE + ')', 'CPU {{instance}}'],
          ['dipper_process_resident_memory_bytes{SEL} / 1e9', 'RSS GB {{instance}}'],
        ],
        unit: 'short',
      },
      {
        title: 'File descriptors (one per TCP connection)',
        exprs: [
          ['dipper_process_open_fds{SEL}', 'open {{instance}}'],
          ['dipper_process_max_fds{SEL}', 'limit {{instance}}'],
        ],
        unit: 'short',
      },
    ],
  },
  {
    uid: 'dipper-sinks',
    title: 'Dipper / Sinks',
    description: 'Kafka, MQTT and InfluxDB: publish latency, backlog, failures',
    panels: [
      { title: 'Publish latency p50', exprs: [['histogram_quantile(0.5, sum by (le, sink) (rate(dipper_sink_publish_seconds_bucket{SEL}' + RATE + ')))', '{{sink}}']], unit: 's' },
      { title: 'Publish latency p99', exprs: [['histogram_quantile(0.99, sum by (le, sink) (rate(dipper_sink_publish_seconds_bucket{SEL}' + RATE + ')))', '{{sink}}']], unit: 's' },
      { title: 'Batches published per second', exprs: [['sum by (sink) (rate(dipper_sink_publish_seconds_count{SEL}' + RATE + '))', '{{sink}}']], unit: 'short' },
      {
        title: 'Failures, retries, errors',
        exprs: [
          ['sum by (sink) (rate(dipper_sink_failures_total{SEL}' + RATE + '))', 'failed attempts {{sink}}'],
          ['sum by (sink) (rate(dipper_sink_retries_total{SEL}' + RATE + '))', 'retries {{sink}}'],
          ['sum by (sink) (rate(dipper_sink_errors_total{SEL}' + RATE + '))', 'queue errors {{sink}}'],
        ],
        unit: 'short',
      },
      {
        title: 'Backlog and held acknowledgements',
        description: 'backlog: events held for an optional sink that is down; held: location reports whose 0x8001 waits on a required sink',
        exprs: [
          ['sum by (sink) (dipper_sink_backlog_events{SEL})', 'backlog {{sink}}'],
          ['sum by (sink) (dipper_sink_held_events{SEL})', 'held acks {{sink}}'],
        ],
        unit: 'short',
      },
      { title: 'Events dropped from a full backlog', exprs: [['sum by (sink) (rate(dipper_sink_dropped_events_total{SEL}' + RATE + '))', '{{sink}}']], unit: 'short' },
      {
        title: 'Gateway queue to the sinks',
        exprs: [
          ['sum(dipper_queue_depth{SEL})', 'queued events'],
          ['sum(dipper_paused_sockets{SEL})', 'paused sockets'],
        ],
        unit: 'short',
      },
      { title: 'Events handed to the sinks by kind', exprs: [['sum by (kind) (rate(dipper_events_total{SEL}' + RATE + '))', '{{kind}}']], unit: 'short', stack: true },
    ],
  },
  {
    uid: 'dipper-map',
    title: 'Dipper / Map API',
    description: 'Vector tiles, their latency and cache, live stream clients, live index',
    panels: [
      { title: 'Tiles per second by layer', exprs: [['sum by (layer) (rate(dipper_tile_requests_total{SEL}' + RATE + '))', '{{layer}}']], unit: 'reqps', stack: true },
      {
        title: 'Tile cache hit ratio',
        exprs: [['sum by (layer) (rate(dipper_tile_requests_total{SEL, cache="hit"}' + RATE + ')) / sum by (layer) (rate(dipper_tile_requests_total{SEL}' + RATE + '))', '{{layer}}']],
        unit: 'percentunit',
      },
      { title: 'Tiles by outcome', exprs: [['sum by (status) (rate(dipper_tile_requests_total{SEL}' + RATE + '))', '{{status}}']], unit: 'reqps', stack: true },
      { title: 'Tile latency p50 by layer and cache', exprs: [['histogram_quantile(0.5, sum by (le, layer, cache) (rate(dipper_tile_seconds_bucket{SEL}' + RATE + ')))', '{{layer}} {{cache}}']], unit: 's' },
      { title: 'Tile latency p99 by layer and cache', exprs: [['histogram_quantile(0.99, sum by (le, layer, cache) (rate(dipper_tile_seconds_bucket{SEL}' + RATE + ')))', '{{layer}} {{cache}}']], unit: 's' },
      {
        title: 'Live stream (SSE) clients',
        exprs: [
          ['sum(dipper_sse_clients{SEL})', 'clients'],
          ['sum(rate(dipper_sse_dropped_total{SEL}' + RATE + '))', 'events dropped for slow clients/s'],
        ],
        unit: 'short',
      },
      {
        title: 'Live index size',
        exprs: [
          ['max by (instance) (dipper_live_index_terminals{SEL})', 'terminals and resources {{instance}}'],
          ['max by (instance) (dipper_live_index_rows{SEL})', 'count rows {{instance}}'],
        ],
        unit: 'short',
      },
      { title: 'Event loop lag p99', exprs: [['max by (instance) (dipper_nodejs_eventloop_lag_p99_seconds{SEL})', '{{instance}}']], unit: 's' },
    ],
  },
  {
    uid: 'dipper-fleet',
    title: 'Dipper / Fleet',
    description: 'Terminals online by category and org, alarms',
    panels: [
      { title: 'Online terminals', kind: 'stat', exprs: [['sum(dipper_terminals_online{SEL})', 'online']], unit: 'short' },
      { title: 'Alarms in the last hour', kind: 'stat', exprs: [['sum(increase(dipper_alarms_total{SEL}[1h]))', 'alarms']], unit: 'short' },
      { title: 'Online by category', exprs: [['sum by (category) (dipper_terminals_online{SEL})', '{{category}}']], unit: 'short', stack: true },
      { title: 'Online by org (top 20)', exprs: [['topk(20, sum by (org) (dipper_terminals_online{SEL}))', '{{org}}']], unit: 'short' },
      { title: 'Alarms by name', exprs: [['sum by (alarm) (rate(dipper_alarms_total{SEL}' + RATE + '))', '{{alarm}}']], unit: 'short', stack: true },
      { title: 'Alarms by category', exprs: [['sum by (category) (rate(dipper_alarms_total{SEL}' + RATE + '))', '{{category}}']], unit: 'short', stack: true },
      {
        title: 'Positions and invalid fixes',
        exprs: [
          ['sum(rate(dipper_events_total{SEL, kind="position"}' + RATE + '))', 'positions/s'],
          ['sum by (reason) (rate(dipper_invalid_fixes_total{SEL}' + RATE + '))', 'invalid: {{reason}}'],
        ],
        unit: 'short',
      },
      { title: 'Multimedia uploads', exprs: [['sum by (outcome) (rate(dipper_media_total{SEL}' + RATE + '))', '{{outcome}}']], unit: 'short' },
    ],
  },
];

/** Selector substitution: `{SEL}` -> `{instance=~"$instance"}`, `{SEL, x="y"}` -> `{instance=~"$instance", x="y"}`. */
function scoped(expr: string): string {
  return expr.replace(/\{SEL/g, `{${SEL}`);
}

function panelJson(p: Panel, id: number, x: number, y: number, w: number, h: number): object {
  const kind = p.kind ?? 'timeseries';
  return {
    id,
    type: kind,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h, w, x, y },
    fieldConfig: {
      defaults: {
        unit: p.unit ?? 'short',
        ...(kind === 'timeseries' ? { custom: { fillOpacity: p.stack ? 20 : 5, stacking: { mode: p.stack ? 'normal' : 'none' } } } : {}),
      },
      overrides: [],
    },
    options: kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: p.exprs.map(([expr, legend], i) => ({ refId: String.fromCharCode(65 + i), expr: scoped(expr), legendFormat: legend, datasource: { type: 'prometheus', uid: '${datasource}' } })),
  };
}

export function dashboardJson(b: Board): object {
  // stats four to a row, 4 high; graphs two to a row, 8 high; a panel that does not fit starts a row
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = b.panels.map((p, i) => {
    const w = p.kind === 'stat' ? 6 : 12;
    const h = p.kind === 'stat' ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const json = panelJson(p, i + 1, x, y, w, h);
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return json;
  });
  return {
    uid: b.uid,
    title: b.title,
    description: b.description,
    tags: ['dipper'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus', current: {} },
        {
          name: 'instance',
          type: 'query',
          label: 'Gateway',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: { query: 'label_values(dipper_connections, instance)', refId: 'instance' },
          definition: 'label_values(dipper_connections, instance)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { text: 'All', value: '$__all' },
          refresh: 2,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

export function fileOf(b: Board): string {
  return `${b.uid.replace(/^dipper-/, '')}.json`;
}

export function render(b: Board): string {
  return JSON.stringify(dashboardJson(b), null, 2) + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const b of BOARDS) {
    writeFileSync(new URL(fileOf(b), import.meta.url), render(b));
    console.log(`dashboards/${fileOf(b)}: ${b.panels.length} panels`);
  }
}
