/**
 * Org scopes: an org unit path (wuhan/jianghan/squad-3) is inside a scope when it is the
 * scope or below it ("wuhan" sees "wuhan/jianghan/..."; "" sees everything). API filters
 * (`org=`) narrow within the scope; they never widen it.
 */
export function within(prefix: string, org: string): boolean {
  return prefix === '' || org === prefix || (org.length > prefix.length && org.startsWith(prefix) && org.charCodeAt(prefix.length) === 47 /* / */);
}

/** scope AND (any of the org filters); `orgs` empty or absent = no filter */
export function orgMatcher(scope: string, orgs?: readonly string[]): (org: string) => boolean {
  if (!orgs || orgs.length === 0) return (org) => within(scope, org);
  return (org) => within(scope, org) && orgs.some((p) => within(p, org));
}
