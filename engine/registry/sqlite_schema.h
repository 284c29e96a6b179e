// Private to the SQLite registration store: its schema and statements.
#ifndef CHAINTRUST_ENGINE_REGISTRY_SQLITE_SCHEMA_H_
#define CHAINTRUST_ENGINE_REGISTRY_SQLITE_SCHEMA_H_

namespace chaintrust {
namespace internal {
namespace sqlite_sql {

// Creates schema version 1 (SqliteRegistrationStore::kSchemaVersion).
inline constexpr char kSchemaSql[] = R"sql(
CREATE TABLE registrations (
  id_key TEXT NOT NULL PRIMARY KEY,  -- lowercase registration ID
  registration_id TEXT NOT NULL,     -- as last presented
  device_id TEXT NOT NULL,
  enrollment_kind TEXT NOT NULL,     -- 'individual' | 'group'
  enrollment_id TEXT NOT NULL,
  status TEXT NOT NULL,              -- 'assigned' | 'failed' | 'disabled'
  substatus TEXT NOT NULL,           -- 'initialAssignment' | ...
  assigned_hub TEXT NOT NULL,
  created_us INTEGER NOT NULL,       -- Unix microseconds
  updated_us INTEGER NOT NULL,
  etag TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX registrations_by_group ON registrations (enrollment_id)
  WHERE enrollment_kind = 'group';
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  registration_count INTEGER NOT NULL,
  etag_seq INTEGER NOT NULL
);
INSERT INTO meta VALUES (1, 0, 0);
PRAGMA user_version = 1;
)sql";

#define CHAINTRUST_RECORD_COLUMNS                                        \
  "registration_id, device_id, enrollment_kind, enrollment_id, status, " \
  "substatus, assigned_hub, created_us, updated_us, etag"

inline constexpr char kBeginSql[] = "BEGIN IMMEDIATE";
inline constexpr char kCommitSql[] = "COMMIT";
inline constexpr char kRollbackSql[] = "ROLLBACK";
inline constexpr char kReadMetaSql[] =
    "SELECT registration_count, etag_seq FROM meta WHERE id = 1";
inline constexpr char kWriteMetaSql[] =
    "UPDATE meta SET registration_count = ?1, etag_seq = ?2 WHERE id = 1";
inline constexpr char kCountRowsSql[] = "SELECT COUNT(*) FROM registrations";
inline constexpr char kSubtractCountSql[] =
    "UPDATE meta SET registration_count = registration_count - ?1 "
    "WHERE id = 1";
// Parameters shared by kInsertSql and kUpdateSql: ?1 key, ?2 registration
// ID, ?3 device ID, ?4 enrollment kind, ?5 enrollment ID, ?6 status,
// ?7 substatus, ?8 hub, ?9 created, ?10 updated, ?11 etag.
inline constexpr char kInsertSql[] =
    "INSERT INTO registrations (id_key, " CHAINTRUST_RECORD_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (id_key) DO NOTHING";
inline constexpr char kUpdateSql[] =
    "UPDATE registrations SET registration_id = ?2, device_id = ?3, "
    "enrollment_kind = ?4, enrollment_id = ?5, status = ?6, substatus = ?7, "
    "assigned_hub = ?8, updated_us = ?10, etag = ?11 WHERE id_key = ?1 "
    "RETURNING created_us";
// kUpdateSql for a record whose enrollment kind and ID stay what they are
// (?4 and ?5 unused): it leaves the group index alone, where kUpdateSql
// would rewrite the index entry (SQLite rewrites an index whose columns an
// UPDATE sets, equal values or not) and so one more page per commit.
inline constexpr char kUpdateSameEnrollmentSql[] =
    "UPDATE registrations SET registration_id = ?2, device_id = ?3, "
    "status = ?6, substatus = ?7, assigned_hub = ?8, updated_us = ?10, "
    "etag = ?11 WHERE id_key = ?1 RETURNING created_us";
inline constexpr char kGetSql[] =
    "SELECT " CHAINTRUST_RECORD_COLUMNS " FROM registrations WHERE id_key = ?1";
inline constexpr char kStoredCountSql[] =
    "SELECT registration_count FROM meta WHERE id = 1";

// List and Delete, by which filter fields are set: [registration ID set]
// [group set]. ?1 is the key, ?2 the group ID.
inline constexpr const char* kListSql[2][2] = {
    {"SELECT " CHAINTRUST_RECORD_COLUMNS " FROM registrations ORDER BY id_key",
     "SELECT " CHAINTRUST_RECORD_COLUMNS
     " FROM registrations WHERE enrollment_kind = 'group' AND "
     "enrollment_id = ?2 ORDER BY id_key"},
    {"SELECT " CHAINTRUST_RECORD_COLUMNS
     " FROM registrations WHERE id_key = ?1",
     "SELECT " CHAINTRUST_RECORD_COLUMNS
     " FROM registrations WHERE id_key = ?1 AND enrollment_kind = 'group' "
     "AND enrollment_id = ?2"},
};
inline constexpr const char* kDeleteSql[2][2] = {
    {nullptr,  // refused by ValidateDeleteFilter
     "DELETE FROM registrations WHERE enrollment_kind = 'group' AND "
     "enrollment_id = ?2"},
    {"DELETE FROM registrations WHERE id_key = ?1",
     "DELETE FROM registrations WHERE id_key = ?1 AND "
     "enrollment_kind = 'group' AND enrollment_id = ?2"},
};

#undef CHAINTRUST_RECORD_COLUMNS

}  // namespace sqlite_sql
}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_SQLITE_SCHEMA_H_
