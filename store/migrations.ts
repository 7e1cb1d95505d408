/**
 * The schema, as one ordered list of migrations: applied at start in order, each once, each in
 * its own transaction (migrate.ts). Never edit a migration that has shipped; add the next one.
 * Plain SQL in PostgreSQL's dialect, which PGlite runs unchanged.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// Org units are paths (wuhan/jianghan/squad-3), as tokens' scopes are (events/scope.ts): a scope
// query is `org = $1 OR org LIKE $1 || '/%'`, served by the text_pattern_ops indexes.
const registry = `
CREATE TABLE org_units (
  path       text PRIMARY KEY CHECK (path ~ '^[A-Za-z0-9._-]{1,64}(/[A-Za-z0-9._-]{1,64}){0,7}$'),
  parent     text REFERENCES org_units (path),
  kind       text NOT NULL CHECK (kind IN ('city', 'district', 'squad', 'unit')),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_units_parent ON org_units (parent);

CREATE TABLE devices (
  terminal    text PRIMARY KEY,
  category    text NOT NULL,
  org         text NOT NULL,
  plate       text,
  officer     text,
  terminal_id text,
  epoch       integer NOT NULL DEFAULT 0,
  channels    smallint[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_org ON devices (org text_pattern_ops);

-- what sends no frames but stands on the map: fixed cameras, posts
CREATE TABLE resources (
  id         text PRIMARY KEY,
  kind       text NOT NULL,
  org        text NOT NULL,
  lat        double precision NOT NULL,
  lng        double precision NOT NULL,
  name       text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resources_org ON resources (org text_pattern_ops);

CREATE TABLE people (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  role       text NOT NULL CHECK (role IN ('officer', 'auxiliary')),
  org        text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_org ON people (org text_pattern_ops);

-- the devices a person carries; a device is carried by one person at most
CREATE TABLE person_devices (
  terminal  text PRIMARY KEY REFERENCES devices (terminal) ON DELETE CASCADE,
  person_id text NOT NULL REFERENCES people (id) ON DELETE CASCADE
);
CREATE INDEX person_devices_person ON person_devices (person_id);
`;

// One case, one file (一案一档): the case row is its present state, case_events every change to it.
// An id is unique within an org unit, not across them (as map/cases.ts keys them): another
// district's case never makes a creation fail.
const cases = `
CREATE TABLE cases (
  org         text NOT NULL,
  id          text NOT NULL,
  type        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('open', 'dispatched', 'onscene', 'closed', 'cancelled')),
  lat         double precision NOT NULL,
  lng         double precision NOT NULL,
  time        timestamptz NOT NULL,
  description text,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (org, id)
);
CREATE INDEX cases_org ON cases (org text_pattern_ops);
CREATE INDEX cases_status_time ON cases (status, time DESC);
CREATE INDEX cases_id ON cases (id);

CREATE TABLE case_events (
  seq      bigserial PRIMARY KEY,
  case_org text NOT NULL,
  case_id  text NOT NULL,
  at       timestamptz NOT NULL,
  actor    text NOT NULL,
  action   text NOT NULL,
  changes  jsonb NOT NULL DEFAULT '{}',
  note     text,
  FOREIGN KEY (case_org, case_id) REFERENCES cases (org, id) ON DELETE CASCADE
);
CREATE INDEX case_events_case ON case_events (case_org, case_id, seq);
`;

// An alarm episode is one incident: at most one not-closed incident per terminal and alarm kind
// (and org unit since version 5).
const incidents = `
CREATE TABLE incidents (
  id             text PRIMARY KEY,
  terminal       text NOT NULL,
  kind           text NOT NULL,
  status         text NOT NULL CHECK (status IN ('open', 'acknowledged', 'assigned', 'resolved', 'closed')),
  org            text NOT NULL,
  lat            double precision,
  lng            double precision,
  opened_at      timestamptz NOT NULL,
  last_alarm_at  timestamptz NOT NULL,
  alarm_count    integer NOT NULL DEFAULT 1,
  assignee       text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX incidents_one_episode ON incidents (terminal, kind) WHERE status <> 'closed';
CREATE INDEX incidents_org ON incidents (org text_pattern_ops);
CREATE INDEX incidents_status_opened ON incidents (status, opened_at DESC);

CREATE TABLE incident_events (
  seq         bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  changes     jsonb NOT NULL DEFAULT '{}',
  note        text
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, seq);
`;

// A dispatch order: one unit sent to a case or an incident. A unit is engaged while an order of
// its is not released; the partial unique index makes that one order at a time, whoever sends it.
const dispatches = `
CREATE TABLE dispatches (
  id          text PRIMARY KEY,
  target      text NOT NULL CHECK (target IN ('case', 'incident')),
  target_org  text NOT NULL,
  target_id   text NOT NULL,
  terminal    text NOT NULL,
  org         text NOT NULL,
  code        text NOT NULL,
  lat         double precision NOT NULL,
  lng         double precision NOT NULL,
  actor       text NOT NULL,
  sent_at     timestamptz NOT NULL,
  answer      smallint,
  arrived_at  timestamptz,
  released_at timestamptz
);
CREATE UNIQUE INDEX dispatches_engaged ON dispatches (terminal) WHERE released_at IS NULL;
CREATE INDEX dispatches_target ON dispatches (target, target_org, target_id);
CREATE INDEX dispatches_target_org_sent ON dispatches (target_org text_pattern_ops, sent_at);
`;

// An episode is one incident per terminal, alarm kind and org unit. Per terminal and kind, a
// unit moved to another district while its incident stayed open had its alarms join the old
// district's incident: its new district never saw them, its old one saw where it was.
const incidentsPerOrg = `
DROP INDEX incidents_one_episode;
CREATE UNIQUE INDEX incidents_one_episode ON incidents (terminal, kind, org) WHERE status <> 'closed';
`;

// Duty areas: a beat's shape (GeoJSON, checked before it is written), its weekly shifts in the
// command centre's zone as minutes of the day (end <= start: the shift ends the next day), and
// who is assigned to it. An assignment goes with its device or person.
const dutyAreas = `
CREATE TABLE duty_areas (
  id         text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
  org        text NOT NULL,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  geometry   jsonb NOT NULL CHECK (geometry->>'type' IN ('Polygon', 'MultiPolygon')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX duty_areas_org ON duty_areas (org text_pattern_ops);

CREATE TABLE duty_shifts (
  area_id   text NOT NULL REFERENCES duty_areas (id) ON DELETE CASCADE,
  day       smallint NOT NULL CHECK (day BETWEEN 1 AND 7),
  start_min smallint NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
  end_min   smallint NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
  PRIMARY KEY (area_id, day, start_min)
);

CREATE TABLE duty_area_devices (
  area_id  text NOT NULL REFERENCES duty_areas (id) ON DELETE CASCADE,
  terminal text NOT NULL REFERENCES devices (terminal) ON DELETE CASCADE,
  PRIMARY KEY (area_id, terminal)
);
CREATE INDEX duty_area_devices_terminal ON duty_area_devices (terminal);

CREATE TABLE duty_area_people (
  area_id   text NOT NULL REFERENCES duty_areas (id) ON DELETE CASCADE,
  person_id text NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  PRIMARY KEY (area_id, person_id)
);
CREATE INDEX duty_area_people_person ON duty_area_people (person_id);
`;

// Media files' records (evidence): one per completed upload, keyed by its own id (a terminal
// reuses its media IDs). The path is the bytes' key in the media store, unique: a write retried
// after a commit whose answer was lost adds nothing. removed_at: the bytes were deleted to make
// room (media.policy drop-oldest) or found gone; the record stays.
const media = `
CREATE TABLE media (
  id          text PRIMARY KEY,
  terminal    text NOT NULL,
  org         text NOT NULL,
  media_id    bigint NOT NULL CHECK (media_id BETWEEN 0 AND 4294967295),
  type        smallint NOT NULL,
  format      smallint NOT NULL,
  event       smallint NOT NULL,
  channel     smallint NOT NULL,
  position    jsonb,
  bytes       bigint NOT NULL CHECK (bytes >= 0),
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  received_at timestamptz NOT NULL,
  path        text NOT NULL UNIQUE,
  removed_at  timestamptz
);
CREATE INDEX media_org ON media (org text_pattern_ops);
CREATE INDEX media_received ON media (received_at DESC, id DESC);
CREATE INDEX media_terminal_received ON media (terminal, received_at DESC);
`;

// Su-biao attachments (issue 19) as media: the alarm number issued in 0x9208 (the upload's key),
// the alarm identifier as the alarm carried it, the terminal's file name, the alarm's name (its
// incident's kind), the incident it opened (found when the record is written: null when none
// was open yet, or for 0x0801 uploads), and the Content-Type from the file name's extension
// (0x0801 uploads take theirs from the format code).
const mediaAttachments = `
ALTER TABLE media ADD COLUMN alarm_no text;
ALTER TABLE media ADD COLUMN alarm_identifier jsonb;
ALTER TABLE media ADD COLUMN file_name text;
ALTER TABLE media ADD COLUMN alarm_kind text;
ALTER TABLE media ADD COLUMN incident_id text;
ALTER TABLE media ADD COLUMN content_type text;
CREATE INDEX media_alarm_no ON media (alarm_no) WHERE alarm_no IS NOT NULL;
CREATE INDEX media_incident ON media (incident_id) WHERE incident_id IS NOT NULL;
`;

// Evidence tied to an incident or a case by hand: an existing record attached, or a file uploaded
// for it; who linked it and when. An incident's own media (what its terminal uploaded while it was open)
// are found from the incident's times, not stored here (store/evidence.ts).
const mediaLinks = `
CREATE TABLE media_links (
  target     text NOT NULL CHECK (target IN ('incident', 'case')),
  target_org text NOT NULL,
  target_id  text NOT NULL,
  media      text NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  how        text NOT NULL CHECK (how IN ('attached', 'uploaded')),
  actor      text NOT NULL,
  linked_at  timestamptz NOT NULL,
  PRIMARY KEY (target, target_org, target_id, media)
);
CREATE INDEX media_links_media ON media_links (media);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'registry: org units, devices, people', sql: registry },
  { version: 2, name: 'cases and their history', sql: cases },
  { version: 3, name: 'incidents and their history', sql: incidents },
  { version: 4, name: 'dispatch orders', sql: dispatches },
  { version: 5, name: 'incidents: one episode per terminal, kind and org unit', sql: incidentsPerOrg },
  { version: 6, name: 'duty areas, their shifts and assignments', sql: dutyAreas },
  { version: 7, name: 'media files: records of uploads (evidence)', sql: media },
  { version: 8, name: 'media files: Su-biao attachments, their alarm and incident', sql: mediaAttachments },
  { version: 9, name: 'media linked to incidents and cases', sql: mediaLinks },
];
