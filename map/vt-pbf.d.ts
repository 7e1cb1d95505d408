/** vt-pbf 3.1 ships no types: the two entry points used here. */
declare module 'vt-pbf' {
  interface Options {
    version?: number;
    extent?: number;
  }
  const vtpbf: {
    fromGeojsonVt(layers: Record<string, { features: object[] }>, options?: Options): Uint8Array;
    fromVectorTileJs(tile: object): Uint8Array;
  };
  export default vtpbf;
}
