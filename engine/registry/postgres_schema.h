// Private to the PostgreSQL registration store: its versioned schema and
// statements. Everything here keeps to SQL that CockroachDB and YugabyteDB
// accept too (see docs/postgres.md): plain tables,
// a partial index, INSERT ... ON CONFLICT, SELECT ... FOR UPDATE, unnest()
// of parameter arrays; no advisory locks, no LISTEN/NOTIFY, no server-side
// functions.
#ifndef CHAINTRUST_ENGINE_REGISTRY_POSTGRES_SCHEMA_H_
#define CHAINTRUST_ENGINE_REGISTRY_POSTGRES_SCHEMA_H_

namespace chaintrust {
namespace internal {
namespace postgres_sql {

// The table that records the schema version; created before any migration.
inline constexpr char kCreateVersionTableSql[] =
    "CREATE TABLE IF NOT EXISTS chaintrust_schema ("
    "id INT PRIMARY KEY CHECK (id = 1), version INT NOT NULL); "
    "INSERT INTO chaintrust_schema (id, version) VALUES (1, 0) "
    "ON CONFLICT (id) DO NOTHING";
inline constexpr char kReadVersionSql[] =
    "SELECT version FROM chaintrust_schema WHERE id = 1";
inline constexpr char kLockVersionSql[] =
    "SELECT version FROM chaintrust_schema WHERE id = 1 FOR UPDATE";
inline constexpr char kWriteVersionSql[] =
    "UPDATE chaintrust_schema SET version = $1 WHERE id = 1";

// kMigrations[i] takes the schema from version i to version i + 1. Append
// only: a released migration never changes.
inline constexpr const char* kMigrations[] = {
    // 1: registration records and the counter row (quota and etags).
    R"sql(
CREATE TABLE chaintrust_registrations (
  id_key TEXT NOT NULL PRIMARY KEY,  -- lowercase registration ID
  registration_id TEXT NOT NULL,     -- as last presented
  device_id TEXT NOT NULL,
  enrollment_kind TEXT NOT NULL,     -- 'individual' | 'group'
  enrollment_id TEXT NOT NULL,
  status TEXT NOT NULL,              -- 'assigned' | 'failed' | 'disabled'
  substatus TEXT NOT NULL,           -- 'initialAssignment' | ...
  assigned_hub TEXT NOT NULL,
  created_us BIGINT NOT NULL,        -- Unix microseconds
  updated_us BIGINT NOT NULL,
  etag TEXT NOT NULL
);
CREATE INDEX chaintrust_registrations_by_group
  ON chaintrust_registrations (enrollment_id) WHERE enrollment_kind = 'group';
CREATE TABLE chaintrust_meta (
  id INT PRIMARY KEY CHECK (id = 1),
  registration_count BIGINT NOT NULL,
  etag_seq BIGINT NOT NULL
);
INSERT INTO chaintrust_meta (id, registration_count, etag_seq)
  VALUES (1, 0, 0);
)sql",
    // 2: the enrollment set every front-end replica enforces, versioned.
    R"sql(
CREATE TABLE chaintrust_enrollment_set (
  id INT PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL,
  body BYTEA NOT NULL,               -- serialized v1::EnrollmentSet
  updated_us BIGINT NOT NULL
);
)sql",
};
inline constexpr int kSchemaVersion =
    sizeof(kMigrations) / sizeof(kMigrations[0]);

#define CHAINTRUST_PG_RECORD_COLUMNS                                     \
  "registration_id, device_id, enrollment_kind, enrollment_id, status, " \
  "substatus, assigned_hub, created_us, updated_us, etag"

// Writers serialize on the counter row: the registering transaction reads
// and updates it, so the quota is exact across processes and machines.
inline constexpr char kBeginAndLockMetaSql[] =
    "BEGIN; SELECT registration_count, etag_seq FROM chaintrust_meta "
    "WHERE id = 1 FOR UPDATE";
inline constexpr char kBeginSql[] = "BEGIN";
inline constexpr char kLockMetaSql[] =
    "SELECT registration_count, etag_seq FROM chaintrust_meta "
    "WHERE id = 1 FOR UPDATE";
inline constexpr char kCommitSql[] = "COMMIT";
inline constexpr char kExistingSql[] =
    "SELECT id_key, created_us FROM chaintrust_registrations "
    "WHERE id_key = ANY($1::TEXT[])";
// $1..$11: arrays of key, registration ID, device ID, kind, enrollment ID,
// status, substatus, hub, created, updated, etag; one element per row.
inline constexpr char kUpsertSql[] =
    "INSERT INTO chaintrust_registrations "
    "(id_key, " CHAINTRUST_PG_RECORD_COLUMNS
    ") SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], "
    "$5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::BIGINT[], "
    "$10::BIGINT[], $11::TEXT[]) "
    "ON CONFLICT (id_key) DO UPDATE SET "
    "registration_id = excluded.registration_id, "
    "device_id = excluded.device_id, "
    "enrollment_kind = excluded.enrollment_kind, "
    "enrollment_id = excluded.enrollment_id, status = excluded.status, "
    "substatus = excluded.substatus, assigned_hub = excluded.assigned_hub, "
    "updated_us = excluded.updated_us, etag = excluded.etag";
inline constexpr char kWriteMetaSql[] =
    "UPDATE chaintrust_meta SET registration_count = $1, etag_seq = $2 "
    "WHERE id = 1";
inline constexpr char kSubtractCountSql[] =
    "UPDATE chaintrust_meta SET registration_count = registration_count - $1 "
    "WHERE id = 1";
inline constexpr char kStoredCountSql[] =
    "SELECT registration_count FROM chaintrust_meta WHERE id = 1";
inline constexpr char kCountRowsSql[] =
    "SELECT COUNT(*) FROM chaintrust_registrations";
inline constexpr char kGetSql[] = "SELECT " CHAINTRUST_PG_RECORD_COLUMNS
                                  " FROM chaintrust_registrations "
                                  "WHERE id_key = $1";

// List and Delete: $1 the key or NULL, $2 the group or NULL. Ordered
// bytewise, as the SQLite store orders.
inline constexpr char kListSql[] =
    "SELECT " CHAINTRUST_PG_RECORD_COLUMNS
    " FROM chaintrust_registrations "
    "WHERE ($1::TEXT IS NULL OR id_key = $1::TEXT) AND ($2::TEXT IS NULL OR "
    "(enrollment_kind = 'group' AND enrollment_id = $2::TEXT)) "
    "ORDER BY id_key COLLATE \"C\"";
inline constexpr char kDeleteSql[] =
    "DELETE FROM chaintrust_registrations "
    "WHERE ($1::TEXT IS NULL OR id_key = $1::TEXT) AND ($2::TEXT IS NULL OR "
    "(enrollment_kind = 'group' AND enrollment_id = $2::TEXT))";

// The enrollment set (schema version 2): one row, created with version 0.
inline constexpr char kEnsureEnrollmentSetSql[] =
    "INSERT INTO chaintrust_enrollment_set (id, version, body, updated_us) "
    "VALUES (1, 0, ''::BYTEA, 0) ON CONFLICT (id) DO NOTHING";
inline constexpr char kLockEnrollmentSetSql[] =
    "SELECT version FROM chaintrust_enrollment_set WHERE id = 1 FOR UPDATE";
// $1 version, $2 body (bytea hex text), $3 updated.
inline constexpr char kWriteEnrollmentSetSql[] =
    "UPDATE chaintrust_enrollment_set SET version = $1::BIGINT, "
    "body = $2::BYTEA, updated_us = $3::BIGINT WHERE id = 1";
inline constexpr char kReadEnrollmentSetSql[] =
    "SELECT version, body, updated_us FROM chaintrust_enrollment_set "
    "WHERE id = 1 AND version > 0";
inline constexpr char kEnrollmentSetVersionSql[] =
    "SELECT version FROM chaintrust_enrollment_set WHERE id = 1";

#undef CHAINTRUST_PG_RECORD_COLUMNS

}  // namespace postgres_sql
}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_POSTGRES_SCHEMA_H_
