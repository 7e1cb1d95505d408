/**
 * What several benchmarks and fuzzers share: a typical patrol-vehicle report and a small
 * reproducible random source. Data and helpers only; nothing runs on import.
 */
import type { OutgoingMessage } from '../decoders/index.js';

/** A typical patrol-vehicle 0x0200: mileage, fuel, rssi, satellites, IO status. */
export function typicalLocation(serial: number, i: number): OutgoingMessage {
  return {
    msgId: 0x0200,
    version: '2013',
    phone: '013912345678',
    serial,
    body: {
      alarm: 0,
      status: 0x000c0003,
      lat: 30.5928 + i * 1e-5,
      lng: 114.3055 + i * 1e-5,
      altitude: 23,
      speed: 42.5,
      heading: 87,
      time: new Date(Date.UTC(2026, 10, 24, 4, 0, i % 60)).toISOString(),
      alarms: [],
      flags: [],
      extras: { mileageKm: 12345.6, fuelL: 45.2, rssi: 25, satellites: 14, ioStatus: 0 },
    },
  };
}

/** xorshift32: small, fast, reproducible (a seed replays a fuzz run exactly). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
