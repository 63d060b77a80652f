#include "server/fleet/sql_connection.h"

#include <cstdio>
#include <utility>

namespace bsi::server::sql {

namespace {

// How many times a transaction is run when concurrent transactions keep
// conflicting with it (each retry follows a deadlock or serialization
// failure, which the engine resolves by aborting one side).
constexpr int kMaxAttempts = 8;

}  // namespace

ConnectionPool::ConnectionPool(Opener open, std::size_t max_size, Writer writer)
    : open_(std::move(open)), max_size_(max_size), writer_policy_(writer) {}

ConnectionPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_), writer_);
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire(TxnMode mode) {
  if (mode == TxnMode::kWrite && writer_policy_ == Writer::kDedicated) return AcquireWriter();
  {
    std::unique_lock<std::mutex> lock(mu_);
    returned_.wait(lock, [this] { return !idle_.empty() || open_count_ < max_size_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection), false);
    }
    ++open_count_;
  }
  // Connecting may take a while (a network round trip): not under the lock.
  Result<std::unique_ptr<Connection>> opened = open_(Use::kAny);
  if (!opened.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_count_;
    returned_.notify_one();
    return opened.error();
  }
  return Lease(this, std::move(opened).value(), false);
}

Result<ConnectionPool::Lease> ConnectionPool::AcquireWriter() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    writer_returned_.wait(lock, [this] { return !writer_lent_; });
    writer_lent_ = true;
    if (writer_ != nullptr) return Lease(this, std::move(writer_), true);
  }
  Result<std::unique_ptr<Connection>> opened = open_(Use::kDedicatedWriter);
  if (!opened.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    writer_lent_ = false;
    writer_returned_.notify_one();
    return opened.error();
  }
  return Lease(this, std::move(opened).value(), true);
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection, bool writer) {
  std::unique_ptr<Connection> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!connection->reusable()) {
      dropped = std::move(connection);
      if (!writer) --open_count_;
    } else if (writer) {
      writer_ = std::move(connection);
    } else {
      idle_.push_back(std::move(connection));
    }
    if (writer) writer_lent_ = false;
  }
  (writer ? writer_returned_ : returned_).notify_one();
  // `dropped` closes here, outside the lock.
}

Status RunInTransaction(ConnectionPool& pool, TxnMode mode,
                        const std::function<Status(Connection&)>& body) {
  for (int attempt = 1;; ++attempt) {
    BSI_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool.Acquire(mode));
    Connection& connection = *lease;
    Status status = connection.Begin(mode);
    if (!status.ok() && status.error().code() == ErrorCode::kDatabaseUnavailable &&
        attempt < kMaxAttempts) {
      // A pooled connection the server closed while it was idle (a
      // restart, a terminated backend): nothing ran on it, so take a fresh
      // one. The pool drops this one when the lease ends.
      continue;
    }
    if (status.ok()) status = body(connection);
    if (status.ok()) status = connection.Commit();
    if (status.ok()) return status;
    const bool retry = connection.last_error_retryable() && attempt < kMaxAttempts;
    // A failed rollback leaves the connection unusable; the pool drops it.
    (void)connection.Rollback();
    if (!retry) return status;
  }
}

JsonRowsWriter& JsonRowsWriter::BeginRow() {
  if (!first_row_) out_ += "],";
  out_ += '[';
  first_row_ = false;
  first_cell_ = true;
  return *this;
}

JsonRowsWriter& JsonRowsWriter::Add(std::string_view text) {
  if (!first_cell_) out_ += ',';
  first_cell_ = false;
  out_ += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out_ += escaped;
    } else {
      out_ += c;  // UTF-8 passes through
    }
  }
  out_ += '"';
  return *this;
}

JsonRowsWriter& JsonRowsWriter::Add(std::int64_t number) {
  if (!first_cell_) out_ += ',';
  first_cell_ = false;
  out_ += std::to_string(number);
  return *this;
}

JsonRowsWriter& JsonRowsWriter::AddNull() {
  if (!first_cell_) out_ += ',';
  first_cell_ = false;
  out_ += "null";
  return *this;
}

std::string JsonRowsWriter::Finish() {
  if (!first_row_) out_ += ']';
  out_ += ']';
  return std::move(out_);
}

std::string JsonRows(Dialect dialect, int param, std::initializer_list<ColumnType> columns) {
  std::string select = "SELECT ";
  int index = 0;
  for (const ColumnType type : columns) {
    const std::string i = std::to_string(index);
    std::string cell = dialect == Dialect::kSqlite ? "json_extract(j.value, '$[" + i + "]')"
                                                   : "(j.value->>" + i + ")";
    if (type == ColumnType::kInt) cell = "CAST(" + cell + " AS BIGINT)";
    select += cell + " AS c" + i + ", ";
    ++index;
  }
  std::string p = "$";
  p += std::to_string(param);
  if (dialect == Dialect::kSqlite) {
    return select + "j.key AS ord FROM json_each(" + p + ") AS j";
  }
  return select + "j.ord - 1 AS ord FROM json_array_elements(CAST(" + p +
         " AS json)) WITH ORDINALITY AS j(value, ord)";
}

}  // namespace bsi::server::sql
