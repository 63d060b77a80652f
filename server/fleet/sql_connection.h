// The small SQL seam under SqlFleetDb: one Connection interface that the
// SQLite and the PostgreSQL engine implement (sqlite_fleet_db.cc,
// postgres_fleet_db.cc; no sqlite3 or libpq type crosses this header), a
// pool of connections, and transactions that are retried when the engine
// reports a deadlock, a serialization failure or a busy database.
//
// Statements are written once for both engines: parameters are $1, $2, ...
// (PostgreSQL's own; SQLite binds them by name), typed literals go through
// CAST(... AS ...), booleans are read with Row::Bool (PostgreSQL BOOLEAN,
// SQLite 0/1). Lists travel as one JSON parameter, turned into rows by the
// dialect's own table function (JsonRows()).
//
// Thread-safety: a Connection is used by one thread at a time (the pool
// lends it out); ConnectionPool and RunInTransaction are thread-safe.
#ifndef BSI_SERVER_FLEET_SQL_CONNECTION_H_
#define BSI_SERVER_FLEET_SQL_CONNECTION_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::server::sql {

enum class Dialect { kSqlite, kPostgres };

// One statement parameter. The text a kText parameter views must outlive
// the call it is passed to.
struct Param {
  enum class Kind { kNull, kInt, kBool, kText };
  Kind kind = Kind::kNull;
  std::int64_t number = 0;  // kInt; kBool as 0/1
  std::string_view text;    // kText
};

inline Param Null() { return Param{}; }
inline Param Int(std::int64_t value) { return Param{Param::Kind::kInt, value, {}}; }
inline Param Bool(bool value) { return Param{Param::Kind::kBool, value ? 1 : 0, {}}; }
inline Param Text(std::string_view value) { return Param{Param::Kind::kText, 0, value}; }
inline Param OptInt(const std::optional<std::int64_t>& value) {
  return value ? Int(*value) : Null();
}
inline Param OptText(const std::optional<std::string>& value) {
  return value ? Text(*value) : Null();
}

// The current row of a result, valid only during the callback.
class Row {
 public:
  virtual ~Row() = default;
  virtual bool IsNull(int column) const = 0;
  virtual std::int64_t Int(int column) const = 0;       // 0 for NULL
  virtual bool Bool(int column) const = 0;              // false for NULL
  virtual std::string_view Text(int column) const = 0;  // "" for NULL

  std::optional<std::int64_t> OptInt(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Int(column);
  }
  std::optional<std::string> OptText(int column) const {
    if (IsNull(column)) return std::nullopt;
    return std::string(Text(column));
  }
};

// Called for each row; an error stops the statement and is returned.
using RowFn = std::function<Status(const Row&)>;

enum class TxnMode {
  kRead,   // a consistent snapshot; no writes
  kWrite,  // takes the write lock up front (SQLite: BEGIN IMMEDIATE)
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;

  // Runs one statement with parameters $1..$n = params[0..n-1], calling
  // on_row (if set) for each row it returns. Returns the number of rows
  // the statement changed (INSERT/UPDATE/DELETE) or returned (SELECT).
  // Errors: kConflict (a unique, check or foreign-key constraint),
  // kDatabaseUnavailable (the server went away), kDatabase.
  virtual Result<std::int64_t> Run(std::string_view sql, std::span<const Param> params,
                                   const RowFn& on_row) = 0;
  Result<std::int64_t> Run(std::string_view sql, std::initializer_list<Param> params,
                           const RowFn& on_row = nullptr) {
    return Run(sql, std::span<const Param>(params.begin(), params.size()), on_row);
  }

  // Runs statements without parameters, separated by ';' (a migration).
  virtual Status RunScript(std::string_view sql) = 0;

  virtual Status Begin(TxnMode mode) = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;

  // Whether the last failed call is worth running the whole transaction
  // again for (deadlock, serialization failure, busy database).
  virtual bool last_error_retryable() const = 0;
  // Whether the connection can be lent out again (open, no transaction
  // left open).
  virtual bool reusable() const = 0;
};

// At most `max_size` connections, opened on demand by `open`, kept open
// and lent to one caller at a time. A connection that is no longer
// reusable (the server closed it) is dropped when returned, so the next
// Acquire opens a fresh one.
class ConnectionPool {
 public:
  // What a new connection is for: any transaction, or (Writer::kDedicated)
  // the write transactions alone.
  enum class Use { kAny, kDedicatedWriter };
  using Opener = std::function<Result<std::unique_ptr<Connection>>(Use)>;

  enum class Writer {
    kShared,     // write transactions take any connection
    kDedicated,  // one more connection, for write transactions only, lent
                 // to one writer at a time (SQLite: one writer anyway, and
                 // its page cache stays warm)
  };

  // REQUIRES: max_size >= 1.
  ConnectionPool(Opener open, std::size_t max_size, Writer writer = Writer::kShared);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection for the caller alone until the lease is destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection, bool writer)
        : pool_(pool), connection_(std::move(connection)), writer_(writer) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
    bool writer_;  // the dedicated writer connection
  };

  // A connection for a transaction of this mode. Waits while all max_size
  // connections (or the dedicated writer) are lent out. Errors: those of
  // `open`.
  Result<Lease> Acquire(TxnMode mode);

 private:
  Result<Lease> AcquireWriter();
  void Return(std::unique_ptr<Connection> connection, bool writer);

  const Opener open_;  // first: outlives the connections (it may own what they use)
  const std::size_t max_size_;
  const Writer writer_policy_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::condition_variable writer_returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  std::size_t open_count_ = 0;                     // guarded by mu_: lent + idle
  std::unique_ptr<Connection> writer_;             // guarded by mu_: idle writer
  bool writer_lent_ = false;                       // guarded by mu_
};

// Runs `body` in one transaction on a pooled connection: commits when it
// succeeds, rolls back when it fails. When the engine reports a conflict
// between concurrent transactions (last_error_retryable()), the whole
// transaction is run again, up to a few times, so `body` must start from
// scratch each time (reset what it collects).
Status RunInTransaction(ConnectionPool& pool, TxnMode mode,
                        const std::function<Status(Connection&)>& body);

// Builds the JSON parameter that JsonRows() reads: an array of rows, each
// an array of strings, integers and nulls.
class JsonRowsWriter {
 public:
  JsonRowsWriter& BeginRow();
  JsonRowsWriter& Add(std::string_view text);
  JsonRowsWriter& Add(std::int64_t number);
  JsonRowsWriter& AddNull();
  JsonRowsWriter& Add(const std::optional<std::int64_t>& number) {
    return number ? Add(*number) : AddNull();
  }
  std::string Finish();

 private:
  std::string out_ = "[";
  bool first_row_ = true;
  bool first_cell_ = true;
};

enum class ColumnType { kText, kInt };

// A SELECT that turns the JSON array of rows bound to $<param> into rows
// with columns c0, c1, ... (typed as given) and `ord`, the row's index
// from 0. For use as a subquery: "... FROM (" + JsonRows(...) + ") AS r".
std::string JsonRows(Dialect dialect, int param, std::initializer_list<ColumnType> columns);

}  // namespace bsi::server::sql

#endif  // BSI_SERVER_FLEET_SQL_CONNECTION_H_
