/**
 * API tokens (`api.tokens`), the one credential of people and programs: the HTTP API takes them
 * as bearer tokens, the embedded MQTT broker as passwords. Each grants an org subtree (scope)
 * and rights. Lookup is constant time: both sides are SHA-256 digests of equal length compared
 * with timingSafeEqual, and every configured token is compared (no early exit), so timing tells
 * neither which token nor how much of one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** read: map, terminals, tracks, stream, MQTT subscriptions; command: downlink; admin: cases, registry, tokens */
export type Right = 'read' | 'command' | 'admin';

export interface TokenSpec {
  token: string;
  org: string;
  name?: string | undefined;
  /** absent = read only */
  rights?: readonly Right[] | undefined;
}

export interface Grant {
  /** org subtree this token sees ("" = everything) */
  org: string;
  name: string | undefined;
  rights: ReadonlySet<Right>;
}

const DEFAULT_RIGHTS: readonly Right[] = ['read'];

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

export class TokenTable {
  private readonly entries: { digest: Buffer; grant: Grant }[];

  constructor(specs: readonly TokenSpec[]) {
    this.entries = specs.map((t) => ({ digest: digest(t.token), grant: { org: t.org, name: t.name, rights: new Set(t.rights ?? DEFAULT_RIGHTS) } }));
  }

  /** No tokens configured: nothing asks for one (the listeners are then loopback-only). */
  get open(): boolean {
    return this.entries.length === 0;
  }

  find(token: string | Buffer): Grant | undefined {
    const d = digest(token);
    let found: Grant | undefined;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && found === undefined) found = e.grant;
    return found;
  }
}
