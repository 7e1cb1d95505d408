/**
 * The house's import rules (README "Architecture"), checked by `npm run lint`:
 * each room imports only the rooms named for it here, and no module imports itself back
 * through a cycle. The data's way reads top to bottom; imports point down that way only to
 * the shared layers (decoders/, events/), and the composition root (server/) is the one room
 * that sees every other.
 */
const ROOMS = {
  decoders: [],
  events: ['decoders'],
  gateway: ['decoders', 'events'],
  sinks: ['decoders', 'events'],
  map: ['decoders', 'events'],
  store: ['decoders', 'events'],
  api: ['decoders', 'events', 'gateway', 'map', 'store', 'web'],
  server: ['decoders', 'events', 'gateway', 'sinks', 'map', 'store', 'api'],
  web: ['events'],
  simulators: ['decoders'],
};

const forbidden = Object.entries(ROOMS).map(([room, allowed]) => ({
  name: `${room}-imports-${allowed.length ? allowed.join('-') : 'nothing'}-only`,
  comment: `${room}/ may import ${allowed.length ? allowed.map((r) => `${r}/`).join(', ') : 'no other room'} (and packages)`,
  severity: 'error',
  from: { path: `^${room}/` },
  to: {
    path: `^(${Object.keys(ROOMS).join('|')})/`,
    pathNot: [`^${room}/`, ...allowed.map((r) => `^${r}/`)],
  },
}));

forbidden.push({
  name: 'no-circular',
  comment: 'a cycle makes two modules one: merge them or move what both need down a room',
  severity: 'error',
  from: {},
  to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|\\.tap)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
