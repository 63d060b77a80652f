-- The fleet database's first schema (SQLite). Its PostgreSQL twin is
-- 0001_initial.postgres.sql: the same tables, columns and indexes.
-- Times are seconds since the Unix epoch; booleans 0/1; enumerations
-- their wire names (bsi/protocol/protocol.h).

CREATE TABLE groups (
  name TEXT PRIMARY KEY,
  auto_install TEXT NOT NULL,               -- allowed | always_on | always_off
  deferral_days INTEGER NOT NULL,
  approval_required INTEGER NOT NULL,
  window_start_minute INTEGER,              -- maintenance window, both or neither
  window_length_minutes INTEGER,
  updated INTEGER NOT NULL
);
INSERT INTO groups (name, auto_install, deferral_days, approval_required, updated)
VALUES ('default', 'allowed', 0, 0, 0);

CREATE TABLE admin_tokens (
  name TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,          -- SHA-256 hex of the secret
  role TEXT NOT NULL,                       -- viewer | operator | admin
  created INTEGER NOT NULL
);

CREATE TABLE enrollment_tokens (
  name TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  group_name TEXT NOT NULL REFERENCES groups (name),
  expires INTEGER,                          -- NULL: never
  uses_left INTEGER,                        -- NULL: unlimited
  created INTEGER NOT NULL
);
CREATE INDEX enrollment_tokens_by_group ON enrollment_tokens (group_name);

-- Improvements the fleet knows: from the repository (authoritative) or
-- from devices' reports until the repository's record arrives.
CREATE TABLE improvements (
  id TEXT PRIMARY KEY,                      -- "acme-os 26.3.1 (a)"
  product TEXT NOT NULL,
  base_version TEXT NOT NULL,
  letter TEXT NOT NULL,
  withdrawn INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL CHECK (source IN ('repository', 'report'))
);
CREATE INDEX improvements_by_base ON improvements (product, base_version);

CREATE TABLE improvement_cves (
  improvement TEXT NOT NULL REFERENCES improvements (id) ON DELETE CASCADE,
  cve TEXT NOT NULL,
  PRIMARY KEY (improvement, cve)
) WITHOUT ROWID;
CREATE INDEX improvement_cves_by_cve ON improvement_cves (cve, improvement);

CREATE TABLE approvals (
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  improvement TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at INTEGER NOT NULL,
  PRIMARY KEY (group_name, improvement)
) WITHOUT ROWID;

CREATE TABLE holds (
  id INTEGER PRIMARY KEY,
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  improvement TEXT NOT NULL,
  cause TEXT NOT NULL,
  created INTEGER NOT NULL,
  cleared INTEGER,                          -- NULL: active
  cleared_by TEXT NOT NULL DEFAULT ''
);
-- At most one active hold per (group, improvement).
CREATE UNIQUE INDEX holds_active ON holds (group_name, improvement) WHERE cleared IS NULL;

-- Each device and its latest applied report.
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  group_name TEXT NOT NULL REFERENCES groups (name),
  product TEXT NOT NULL,
  base_version TEXT NOT NULL,
  hostname TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  running TEXT,                             -- improvement id; NULL: the base
  running_letter TEXT,                      -- its letter, for "this letter or later"
  auto_install INTEGER NOT NULL DEFAULT 1,
  install_state TEXT,                       -- NULL: never reported
  failure TEXT NOT NULL DEFAULT '',
  enrolled INTEGER NOT NULL,
  last_report INTEGER,                      -- the agent's time of the latest applied report
  last_report_received INTEGER,              -- when the server received it
  lists_digest TEXT NOT NULL DEFAULT ''    -- SHA-256 of the lists last written (sql_fleet_db_reports.cc)
);
-- Covers the exposure query: the devices of a product and base, in id
-- order, with their group.
CREATE INDEX devices_by_base ON devices (product, base_version, id, group_name);
CREATE INDEX devices_by_group ON devices (group_name, id);

CREATE TABLE device_components (
  device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  ord INTEGER NOT NULL,                     -- position in the report
  PRIMARY KEY (device, name)
) WITHOUT ROWID;

CREATE TABLE device_cves_fixed (
  device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  cve TEXT NOT NULL,
  PRIMARY KEY (device, cve)
) WITHOUT ROWID;
CREATE INDEX device_cves_fixed_by_cve ON device_cves_fixed (cve, device);

CREATE TABLE device_improvements (
  device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  improvement TEXT NOT NULL REFERENCES improvements (id),
  ord INTEGER NOT NULL,
  state TEXT NOT NULL,                      -- installed | available | pending | ...
  reason TEXT NOT NULL,                     -- none | deferred | ...
  not_before INTEGER,
  detail TEXT NOT NULL,
  PRIMARY KEY (device, improvement)
) WITHOUT ROWID;
CREATE INDEX device_improvements_by_improvement ON device_improvements (improvement, device);

-- Every report stored, as received; (device, report_id) makes resending idempotent.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  report_id TEXT NOT NULL,
  report_time INTEGER NOT NULL,
  received INTEGER NOT NULL,
  report_json TEXT NOT NULL,
  UNIQUE (device, report_id)
);
CREATE INDEX events_by_device ON events (device, seq);
CREATE INDEX events_by_received ON events (received);
