/** The HTTP API's settings: the listener, tokens, the command map page. */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Section, Port } from '../events/settings.js';

export const ApiSections = {
  http: Section({
    host: Type.String({ default: '127.0.0.1', description: 'the API and map page; another than loopback needs api.tokens (or api.insecure)' }),
    port: { ...Port, default: 8080 },
    publicUrl: Type.String({
      default: '',
      description:
        'the URL clients reach the API at (e.g. https://map.example.org, with a path prefix if proxied): TileJSON tile URLs start with it; empty = root-relative tile URLs (/tiles/...), resolved against the address the TileJSON was fetched from. Never taken from the Host header',
    }),
    maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 64 * 1024, description: 'largest request body (a command, a case: a few KB); larger is a 413 before it is read' }),
    maxJsonDepth: Type.Integer({ minimum: 4, maximum: 1000, default: 32, description: 'deepest nesting of arrays and objects in a JSON body (commands and cases need 4); deeper is a 400 before it is parsed' }),
    maxStreamsPerToken: Type.Integer({ minimum: 1, default: 20, description: '/api/stream connections open at once per API token (with no tokens: in all); more are a 429' }),
    maxDownloadsPerToken: Type.Integer({ minimum: 1, default: 8, description: 'media files (GET /api/media/{id}) being sent at once per API token (with no tokens: in all), each holding a file descriptor; more are a 429. A download whose client reads nothing for 60 s is closed' }),
  }),
  api: Section({
    tokens: Type.Array(
      Type.Object(
        {
          token: Type.String({ minLength: 16, description: 'bearer token (Authorization: Bearer, or ?access_token= for EventSource and tile URLs)' }),
          org: Type.String({ default: '', description: 'org subtree this token sees: "" = everything, "wuhan/jianghan" = that district and below' }),
          name: Type.Optional(Type.String()),
          rights: Type.Optional(
            Type.Array(Type.Union([Type.Literal('read'), Type.Literal('command'), Type.Literal('admin')]), {
              default: ['read'],
              uniqueItems: true,
              description: 'read: map, terminals, tracks, stream (and MQTT subscriptions); command: downlink commands to terminals in scope; admin: create and change cases',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'no tokens = the API and MQTT ask for no credential and must listen on loopback (http.host, mqtt.host) unless api.insecure; /healthz, /readyz are always open' },
    ),
    insecure: Type.Boolean({ default: false, description: 'allow http.host / mqtt.host off loopback with no api.tokens (anyone reaching them reads every terminal and sends commands); warned at every start' }),
  }),
  cases: Section({
    maxUploadBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024, default: 32 * 1024 * 1024, description: 'largest evidence file a person uploads for a case (POST /api/cases/{id}/media); larger is a 413 before it is read. Held in memory while received, then kept in the media store under media.* quotas (a case counts as one terminal)' }),
    maxUploadsAtOnce: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'case evidence uploads received at once (each holds up to maxUploadBytes in memory); more are a 429' }),
    uploadTimeoutMs: Type.Integer({ minimum: 1000, default: 300_000, description: 'an evidence upload still being received this long after its headers is answered 408 and its connection closed: a client sending a byte now and then would otherwise hold one of maxUploadsAtOnce for ever (the default takes 32 MiB at ~110 KB/s)' }),
  }),
  web: Section({
    enabled: Type.Boolean({ default: true, description: 'serve the command map page at /' }),
    baseMap: Section({
      tiles: Type.String({ default: '', description: 'raster tile URL template ({z}/{x}/{y}, {s} not supported); empty = a plain background with a graticule' }),
      crs: Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02'), Type.Literal('bd09')], { default: 'wgs84', description: 'the base map\'s datum: gcj02 for Gaode/AMap, wgs84 for Tianditu _w layers and OSM-style servers' }),
      tileSize: Type.Integer({ minimum: 64, maximum: 1024, default: 256 }),
      attribution: Type.String({ default: '' }),
      maxZoom: Type.Integer({ minimum: 0, maximum: 24, default: 18 }),
    }),
    outline: Type.String({
      default: 'config/wuhan-districts.geojson',
      description:
        'GeoJSON file (WGS-84) drawn over the background: district boundaries, and the name of each Point feature with `label: true` (`name`, or `name_en` in English); the default is Wuhan\'s 13 districts (see README: Base map); empty = none',
    }),
    center: Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })], { default: [114.3055, 30.5928], description: 'initial view [lng, lat] until the fleet is known' }),
    zoom: Type.Number({ minimum: 0, maximum: 22, default: 10 }),
    timeZone: Type.String({
      default: 'Asia/Shanghai',
      minLength: 1,
      description: "the command centre's time zone (IANA name): every time the page shows is in it, whatever the browser's zone",
    }),
  }),
};

export const ApiSettings = Section(ApiSections);
export type ApiConfig = Static<typeof ApiSettings>;
