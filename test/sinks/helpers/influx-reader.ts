/** Reads points back from a real InfluxDB 1.8 with Flux (pivoted: one row per point). */
import { InfluxDB } from '@influxdata/influxdb-client';
import { until } from '../../gateway/helpers/http.js';

/** `_time` as ms since epoch (Flux prints RFC3339 without trailing zeros). */
export type Row = Record<string, unknown> & { _time: number; _measurement: string };

export async function createDatabase(url: string, name: string): Promise<void> {
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE "${name}"` }) });
  if (!res.ok) throw new Error(`CREATE DATABASE ${name}: ${res.status} ${await res.text()}`);
}

export async function rows(url: string, bucket: string, measurement: string): Promise<Row[]> {
  const q = new InfluxDB({ url }).getQueryApi('');
  const flux = `from(bucket: "${bucket}") |> range(start: 0) |> filter(fn: (r) => r._measurement == "${measurement}")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value") |> group() |> sort(columns: ["_time"])`;
  const got = await q.collectRows<Record<string, unknown>>(flux);
  // drop Flux's bookkeeping columns
  return got.map(({ result: _r, table: _t, _start, _stop, _time, ...rest }) => ({ ...rest, _time: Date.parse(String(_time)) }) as Row);
}

export function waitRows(url: string, bucket: string, measurement: string, n: number): Promise<Row[]> {
  return until(`${n} ${measurement} points`, async () => {
    const got = await rows(url, bucket, measurement);
    return got.length >= n && got;
  });
}
