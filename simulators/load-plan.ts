/**
 * How a load run is spread: over worker processes, because one process may hold at most
 * 20,000 open files here (so about 19,900 sockets once stdio, IPC and the event loop's own
 * descriptors are counted), and over loopback source addresses 127.0.0.x, because each
 * source address has one ephemeral port range (28,232 ports by default) per destination and
 * the gateway caps connections per IP (`jt808.maxPerIp`, 500 by default).
 */
export interface LoadPlanOptions {
  connections: number;
  /** At most this many sockets per worker process (below the 20,000-file limit). */
  perWorker: number;
  /** At most this many connections per source address (match the gateway's maxPerIp). */
  perAddress: number;
  /** Ask for this many workers at least (e.g. to use both cores). */
  minWorkers: number;
  loopback: boolean;
}

export interface WorkerShare {
  worker: number;
  /** Index of this worker's first terminal in the whole run (phones are offset by it). */
  first: number;
  count: number;
  /** Last octets 127.0.0.a .. 127.0.0.(a+n-1); n = 0 when not on loopback. */
  firstAddress: number;
  addresses: number;
}

export function planLoad(o: LoadPlanOptions): WorkerShare[] {
  if (o.connections < 1) throw new Error('--connections must be at least 1');
  const workers = Math.max(o.minWorkers, Math.ceil(o.connections / o.perWorker));
  const totalAddresses = o.loopback ? Math.ceil(o.connections / o.perAddress) : 0;
  if (totalAddresses > 254) throw new Error(`${o.connections} connections at ${o.perAddress} per address need ${totalAddresses} source addresses: more than 127.0.0.1-254 (raise --per-address and the gateway's jt808.maxPerIp)`);
  const shares: WorkerShare[] = [];
  let first = 0;
  let address = 1;
  for (let w = 0; w < workers; w++) {
    const count = Math.floor(o.connections / workers) + (w < o.connections % workers ? 1 : 0);
    const addresses = o.loopback ? Math.max(1, Math.ceil(count / o.perAddress)) : 0;
    shares.push({ worker: w, first, count, firstAddress: address, addresses });
    first += count;
    address += addresses;
  }
  if (address - 1 > 254) throw new Error('source addresses run past 127.0.0.254: raise --per-address');
  return shares.filter((s) => s.count > 0);
}
