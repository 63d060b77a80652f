-- The fleet database's first schema (PostgreSQL). Its SQLite twin is
-- 0001_initial.sqlite.sql: the same tables, columns and indexes.
-- Times are seconds since the Unix epoch; enumerations their wire names
-- (bsi/protocol/protocol.h). Text columns use the C collation, so that
-- both engines compare and order ids, names and letters byte by byte.

CREATE TABLE groups (
  name TEXT COLLATE "C" PRIMARY KEY,
  auto_install TEXT COLLATE "C" NOT NULL,         -- allowed | always_on | always_off
  deferral_days BIGINT NOT NULL,
  approval_required BOOLEAN NOT NULL,
  window_start_minute BIGINT,                     -- maintenance window, both or neither
  window_length_minutes BIGINT,
  updated BIGINT NOT NULL
);
INSERT INTO groups (name, auto_install, deferral_days, approval_required, updated)
VALUES ('default', 'allowed', 0, FALSE, 0);

CREATE TABLE admin_tokens (
  name TEXT COLLATE "C" PRIMARY KEY,
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,    -- SHA-256 hex of the secret
  role TEXT COLLATE "C" NOT NULL,                 -- viewer | operator | admin
  created BIGINT NOT NULL
);

CREATE TABLE enrollment_tokens (
  name TEXT COLLATE "C" PRIMARY KEY,
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  group_name TEXT COLLATE "C" NOT NULL REFERENCES groups (name),
  expires BIGINT,                                 -- NULL: never
  uses_left BIGINT,                               -- NULL: unlimited
  created BIGINT NOT NULL
);
CREATE INDEX enrollment_tokens_by_group ON enrollment_tokens (group_name);

-- Improvements the fleet knows: from the repository (authoritative) or
-- from devices' reports until the repository's record arrives.
CREATE TABLE improvements (
  id TEXT COLLATE "C" PRIMARY KEY,                -- "acme-os 26.3.1 (a)"
  product TEXT COLLATE "C" NOT NULL,
  base_version TEXT COLLATE "C" NOT NULL,
  letter TEXT COLLATE "C" NOT NULL,
  withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
  source TEXT COLLATE "C" NOT NULL CHECK (source IN ('repository', 'report'))
);
CREATE INDEX improvements_by_base ON improvements (product, base_version);

CREATE TABLE improvement_cves (
  improvement TEXT COLLATE "C" NOT NULL REFERENCES improvements (id) ON DELETE CASCADE,
  cve TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (improvement, cve)
);
CREATE INDEX improvement_cves_by_cve ON improvement_cves (cve, improvement);

CREATE TABLE approvals (
  group_name TEXT COLLATE "C" NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  improvement TEXT COLLATE "C" NOT NULL,
  approved_by TEXT COLLATE "C" NOT NULL,
  approved_at BIGINT NOT NULL,
  PRIMARY KEY (group_name, improvement)
);

CREATE TABLE holds (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_name TEXT COLLATE "C" NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  improvement TEXT COLLATE "C" NOT NULL,
  cause TEXT COLLATE "C" NOT NULL,
  created BIGINT NOT NULL,
  cleared BIGINT,                                 -- NULL: active
  cleared_by TEXT COLLATE "C" NOT NULL DEFAULT ''
);
-- At most one active hold per (group, improvement).
CREATE UNIQUE INDEX holds_active ON holds (group_name, improvement) WHERE cleared IS NULL;

-- Each device and its latest applied report.
CREATE TABLE devices (
  id TEXT COLLATE "C" PRIMARY KEY,
  group_name TEXT COLLATE "C" NOT NULL REFERENCES groups (name),
  product TEXT COLLATE "C" NOT NULL,
  base_version TEXT COLLATE "C" NOT NULL,
  hostname TEXT COLLATE "C" NOT NULL,
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  running TEXT COLLATE "C",                       -- improvement id; NULL: the base
  running_letter TEXT COLLATE "C",                -- its letter, for "this letter or later"
  auto_install BOOLEAN NOT NULL DEFAULT TRUE,
  install_state TEXT COLLATE "C",                 -- NULL: never reported
  failure TEXT COLLATE "C" NOT NULL DEFAULT '',
  enrolled BIGINT NOT NULL,
  last_report BIGINT,                             -- the agent's time of the latest applied report
  last_report_received BIGINT,                     -- when the server received it
  lists_digest TEXT NOT NULL DEFAULT ''    -- SHA-256 of the lists last written (sql_fleet_db_reports.cc)
);
-- Covers the exposure query: the devices of a product and base, in id
-- order, with their group.
CREATE INDEX devices_by_base ON devices (product, base_version, id, group_name);
CREATE INDEX devices_by_group ON devices (group_name, id);

CREATE TABLE device_components (
  device TEXT COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  version TEXT COLLATE "C" NOT NULL,
  ord BIGINT NOT NULL,                            -- position in the report
  PRIMARY KEY (device, name)
);

CREATE TABLE device_cves_fixed (
  device TEXT COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  cve TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (device, cve)
);
CREATE INDEX device_cves_fixed_by_cve ON device_cves_fixed (cve, device);

CREATE TABLE device_improvements (
  device TEXT COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  improvement TEXT COLLATE "C" NOT NULL REFERENCES improvements (id),
  ord BIGINT NOT NULL,
  state TEXT COLLATE "C" NOT NULL,                -- installed | available | pending | ...
  reason TEXT COLLATE "C" NOT NULL,               -- none | deferred | ...
  not_before BIGINT,
  detail TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (device, improvement)
);
-- INCLUDE: answers "what do the devices say of this improvement" from the
-- index alone (exposure, progress).
CREATE INDEX device_improvements_by_improvement ON device_improvements (improvement, device)
  INCLUDE (state, reason);

-- Every report stored, as received; (device, report_id) makes resending idempotent.
CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device TEXT COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  report_id TEXT COLLATE "C" NOT NULL,
  report_time BIGINT NOT NULL,
  received BIGINT NOT NULL,
  report_json TEXT COLLATE "C" NOT NULL,
  UNIQUE (device, report_id)
);
CREATE INDEX events_by_device ON events (device, seq);
CREATE INDEX events_by_received ON events (received);
