#include "server/fleet/postgres_fleet_db.h"

#include <charconv>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "server/fleet/migrations.h"
#include "server/fleet/sql_fleet_db.h"

namespace bsi::server {
namespace {

// Type OIDs (pg_type.h) of the parameters we declare; text parameters
// stay "unknown" (0), so the server infers them from the context.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;

std::string Excerpt(std::string_view sql) {
  constexpr std::size_t kMax = 80;
  std::string text(sql.substr(0, kMax));
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > kMax ? text + "..." : text;
}

// libpq's messages end with a newline and may span lines.
std::string OneLine(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

std::int64_t ParseInt(std::string_view text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult() { PQclear(result_); }
  PGresult* get() const { return result_; }

 private:
  PGresult* result_;
};

class PgRow final : public sql::Row {
 public:
  PgRow(PGresult* result, int row) : result_(result), row_(row) {}
  bool IsNull(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  std::int64_t Int(int column) const override { return ParseInt(Text(column)); }
  bool Bool(int column) const override {
    const std::string_view text = Text(column);
    return text == "t" || text == "true" || text == "1";
  }
  std::string_view Text(int column) const override {
    return {PQgetvalue(result_, row_, column),
            static_cast<std::size_t>(PQgetlength(result_, row_, column))};
  }

 private:
  PGresult* result_;
  int row_;
};

class PgConnection final : public sql::Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override { PQfinish(conn_); }

  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }

  Result<std::int64_t> Run(std::string_view sql, std::span<const sql::Param> params,
                           const sql::RowFn& on_row) override {
    retryable_ = false;
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const sql::Param& p = params[i];
      switch (p.kind) {
        case sql::Param::Kind::kNull:
          break;
        case sql::Param::Kind::kInt:
          texts[i] = std::to_string(p.number);
          types[i] = kInt8Oid;
          break;
        case sql::Param::Kind::kBool:
          texts[i].assign(1, p.number != 0 ? 't' : 'f');
          types[i] = kBoolOid;
          break;
        case sql::Param::Kind::kText:
          texts[i] = std::string(p.text);
          break;
      }
      if (p.kind != sql::Param::Kind::kNull) values[i] = texts[i].c_str();
    }
    BSI_ASSIGN_OR_RETURN(const std::string* name, Prepare(sql, types));
    const PgResult result(PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()),
                                         values.data(), nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK) return ParseInt(PQcmdTuples(result.get()));
    if (status != PGRES_TUPLES_OK) return Failure(result.get(), sql);
    const int rows = PQntuples(result.get());
    if (on_row) {
      for (int r = 0; r < rows; ++r) BSI_TRY(on_row(PgRow(result.get(), r)));
    }
    return static_cast<std::int64_t>(rows);
  }

  Status RunScript(std::string_view sql) override {
    retryable_ = false;
    const PgResult result(PQexec(conn_, std::string(sql).c_str()));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Failure(result.get(), sql);
    }
    return Ok();
  }

  Status Begin(sql::TxnMode mode) override {
    return RunScript(mode == sql::TxnMode::kWrite
                         ? "BEGIN"
                         : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  }
  Status Commit() override { return RunScript("COMMIT"); }
  Status Rollback() override {
    if (broken_ || PQtransactionStatus(conn_) == PQTRANS_IDLE) return Ok();
    const bool retryable = retryable_;
    Status status = RunScript("ROLLBACK");
    retryable_ = retryable;
    return status;
  }

  bool last_error_retryable() const override { return retryable_; }
  bool reusable() const override {
    return !broken_ && PQstatus(conn_) == CONNECTION_OK &&
           PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

 private:
  Result<const std::string*> Prepare(std::string_view sql, const std::vector<Oid>& types) {
    const std::string text(sql);
    auto it = prepared_.find(text);
    if (it != prepared_.end()) return &it->second;
    std::string name = "bsi_" + std::to_string(prepared_.size() + 1);
    const PgResult result(
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) return Failure(result.get(), sql);
    return &prepared_.emplace(text, std::move(name)).first->second;
  }

  Error Failure(PGresult* result, std::string_view sql) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view sqlstate = state != nullptr ? state : "";
    std::string message = OneLine(result != nullptr ? PQresultErrorMessage(result) : nullptr);
    if (message.empty()) message = OneLine(PQerrorMessage(conn_));
    const std::string what = "postgresql: " + message + " (in: " + Excerpt(sql) + ")";
    // Class 08: connection exception; 57P01..57P03: the server is shutting
    // down or starting.
    if (PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("08") ||
        sqlstate.starts_with("57P")) {
      broken_ = true;
      return Error(ErrorCode::kDatabaseUnavailable, what);
    }
    // 40001 serialization_failure, 40P01 deadlock_detected: the server
    // aborted this transaction in favour of a concurrent one.
    retryable_ = sqlstate == "40001" || sqlstate == "40P01";
    // Class 23: integrity constraint violation (unique, foreign key, check).
    if (sqlstate.starts_with("23")) return Error(ErrorCode::kConflict, what);
    return Error(ErrorCode::kDatabase, what);
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  bool retryable_ = false;
  bool broken_ = false;
};

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

Result<PostgresUrl> ParsePostgresUrl(std::string_view url) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
    return Error(ErrorCode::kInvalidArgument,
                 "postgresql: a URL starts with postgresql:// or postgres://");
  }
  PostgresUrl parsed;
  const std::size_t question = url.find('?');
  parsed.conninfo = std::string(url.substr(0, question));
  std::string query;
  bool has_timeout = false;
  std::string_view rest = question == std::string_view::npos ? "" : url.substr(question + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
    if (item.starts_with("pool_size=")) {
      const std::string_view digits = item.substr(std::string_view("pool_size=").size());
      std::size_t size = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
      if (ec != std::errc() || end != digits.data() + digits.size() || size < 1 || size > 64) {
        return Error(ErrorCode::kInvalidArgument, "postgresql: pool_size must be 1..64");
      }
      parsed.pool_size = size;
      continue;
    }
    if (item.starts_with("connect_timeout=")) has_timeout = true;
    if (item.empty()) continue;
    if (!query.empty()) query += '&';
    query += item;
  }
  if (!has_timeout) {
    if (!query.empty()) query += '&';
    query += "connect_timeout=10";
  }
  parsed.conninfo += "?" + query;
  return parsed;
}

Result<std::unique_ptr<sql::Connection>> OpenPostgresConnection(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) {
    return Error(ErrorCode::kDatabaseUnavailable, "postgresql: out of memory connecting");
  }
  auto connection = std::make_unique<PgConnection>(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    return Error(ErrorCode::kDatabaseUnavailable,
                 "postgresql: cannot connect: " + OneLine(PQerrorMessage(conn)));
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<sql::Connection>(std::move(connection));
}

Result<std::unique_ptr<FleetDb>> OpenPostgresFleetDb(std::string_view url) {
  BSI_ASSIGN_OR_RETURN(const PostgresUrl parsed, ParsePostgresUrl(url));
  {
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> first,
                         OpenPostgresConnection(parsed.conninfo));
    const std::vector<Migration> migrations = MigrationsFor(sql::Dialect::kPostgres);
    BSI_TRY(Migrate(*first, migrations));
  }
  const std::string conninfo = parsed.conninfo;
  auto pool = std::make_unique<sql::ConnectionPool>(
      [conninfo](sql::ConnectionPool::Use) { return OpenPostgresConnection(conninfo); },
      parsed.pool_size);
  return std::unique_ptr<FleetDb>(
      std::make_unique<SqlFleetDb>("postgresql", sql::Dialect::kPostgres, std::move(pool)));
}

}  // namespace bsi::server
