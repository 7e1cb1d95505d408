/** A fixed resource from the registry (a fixed camera, a post): drawn on the map where it stands. */
export interface StaticResource {
  id: string;
  kind: string;
  org: string;
  lat: number;
  lng: number;
  name?: string;
}
