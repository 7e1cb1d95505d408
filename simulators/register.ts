/**
 * The fleet into the gateway's registry before it connects, through the registry API
 * (POST /api/devices/import, the registry file as text/csv), so the map shows vehicles, body
 * cameras and handhelds rather than terminals of unknown category. The import needs the admin
 * right: with api.tokens configured, a token that has it (DIPPER_TOKEN); a gateway with no
 * tokens asks for none (it then listens on loopback only). An import adds and replaces: running
 * the same fleet again changes nothing.
 */

export interface Registered {
  devices: number;
  resources: number;
}

/** A failed registration, said so that the user knows what to change. */
export class RegisterError extends Error {}

/** A gateway's answer body, when it is the API's error shape. */
function reason(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const b = body as { message?: unknown; errors?: unknown };
  const rows = Array.isArray(b.errors) ? b.errors.slice(0, 5).map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [];
  return [typeof b.message === 'string' ? b.message : '', ...rows].filter(Boolean).join('; ');
}

export async function registerFleet(csv: string, api: string, token: string | undefined): Promise<Registered> {
  const { url, body } = await importInto(new URL('/api/devices/import', api), 'text/csv; charset=utf-8', csv, token);
  const r = body as Partial<Registered> | undefined;
  if (typeof r?.devices !== 'number') throw new RegisterError(`${url}: answered but not with an import's counts: is it a Dipper gateway?`);
  return { devices: r.devices, resources: r.resources ?? 0 };
}

/** The squads' duty areas (Fleet.dutyAreas) into the gateway (POST /api/duty-areas/import); how many it holds. */
export async function registerDutyAreas(areas: object, api: string, token: string | undefined): Promise<number> {
  const { url, body } = await importInto(new URL('/api/duty-areas/import', api), 'application/json', JSON.stringify(areas), token);
  const r = body as { created?: unknown; replaced?: unknown } | undefined;
  if (typeof r?.created !== 'number' || typeof r.replaced !== 'number') throw new RegisterError(`${url}: answered but not with an import's count: is it a Dipper gateway?`);
  return r.created + r.replaced;
}

/** POSTs an import; its parsed answer when 2xx, otherwise a RegisterError saying what to change. */
async function importInto(url: URL, contentType: string, payload: string, token: string | undefined): Promise<{ url: URL; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: payload,
      // a city's registry in one transaction: seconds on a busy machine, not minutes
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new RegisterError(`cannot reach the gateway's API at ${url.origin} (${cause}): start it first, or say where it is with --api URL`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok) return { url, body };
  switch (res.status) {
    case 401:
      throw new RegisterError(`${url}: the gateway asks for an API token: set DIPPER_TOKEN to one of its api.tokens that has the "admin" right (${reason(body) || 'unauthorised'})`);
    case 403:
      throw new RegisterError(`${url}: refused: ${reason(body) || 'forbidden'}`);
    case 404:
      throw new RegisterError(`${url}: no such API here (404): is it a Dipper gateway with its database (database.*)?`);
    default:
      throw new RegisterError(`${url}: ${res.status}: ${reason(body) || text.slice(0, 200)}`);
  }
}
