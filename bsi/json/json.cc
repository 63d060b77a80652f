#include "bsi/json/json.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include <boost/json/basic_parser_impl.hpp>

namespace bsi::json {
namespace {

namespace bj = boost::json;

// Builds a Value from Boost.JSON's SAX events, refusing what strict parsing
// forbids (duplicate keys, integers beyond int64). Boost.JSON itself refuses
// invalid UTF-8, comments, trailing commas and excess depth.
class Builder {
 public:
  // boost::json::basic_parser requires a handler to declare these limits under
  // exactly these names; they cannot follow our kConstant naming.
  static constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_object_size = kNoLimit;  // NOLINT(readability-identifier-naming)
  static constexpr std::size_t max_array_size = kNoLimit;   // NOLINT(readability-identifier-naming)
  static constexpr std::size_t max_key_size = kNoLimit;     // NOLINT(readability-identifier-naming)
  static constexpr std::size_t max_string_size = kNoLimit;  // NOLINT(readability-identifier-naming)

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }

  bool on_object_begin(bj::error_code&) {
    stack_.push_back(Frame{Value(Object{}), {}});
    return true;
  }
  bool on_object_end(std::size_t, bj::error_code& ec) { return Pop(ec); }
  bool on_array_begin(bj::error_code&) {
    stack_.push_back(Frame{Value(Array{}), {}});
    return true;
  }
  bool on_array_end(std::size_t, bj::error_code& ec) { return Pop(ec); }

  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code& ec) {
    key_.append(s.data(), s.size());
    Frame& top = stack_.back();
    if (top.value.object().count(key_) != 0) {
      return Fail(ec, "duplicate object key \"" + key_ + "\"");
    }
    top.key = std::move(key_);
    key_.clear();
    return true;
  }

  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    string_.append(s.data(), s.size());
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code& ec) {
    string_.append(s.data(), s.size());
    std::string done = std::move(string_);
    string_.clear();
    return Add(Value(std::move(done)), ec);
  }

  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code& ec) { return Add(Value(i), ec); }
  bool on_uint64(std::uint64_t, bj::string_view s, bj::error_code& ec) {
    return Fail(ec, "integer " + std::string(s.data(), s.size()) + " is out of range");
  }
  bool on_double(double d, bj::string_view s, bj::error_code& ec) {
    if (!std::isfinite(d)) {
      return Fail(ec, "number " + std::string(s.data(), s.size()) + " is out of range");
    }
    return Add(Value(d), ec);
  }
  bool on_bool(bool b, bj::error_code& ec) { return Add(Value(b), ec); }
  bool on_null(bj::error_code& ec) { return Add(Value(), ec); }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

  Value TakeResult() { return std::move(result_); }
  const std::string& failure() const { return failure_; }

 private:
  struct Frame {
    Value value;
    std::string key;  // pending key when value is an object
  };

  bool Fail(bj::error_code& ec, std::string message) {
    failure_ = std::move(message);
    ec = bj::error::syntax;
    return false;
  }

  bool Add(Value v, bj::error_code&) {
    if (stack_.empty()) {
      result_ = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    if (top.value.is_object()) {
      top.value.object().emplace(std::move(top.key), std::move(v));
      top.key.clear();
    } else {
      top.value.array().push_back(std::move(v));
    }
    return true;
  }

  bool Pop(bj::error_code& ec) {
    Value done = std::move(stack_.back().value);
    stack_.pop_back();
    return Add(std::move(done), ec);
  }

  std::vector<Frame> stack_;
  std::string key_;
  std::string string_;
  Value result_;
  std::string failure_;
};

void AppendCanonicalString(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

bool AppendCanonicalObject(std::string& out, const Object& object);

bool AppendCanonical(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::kNull:
      out += "null";
      return true;
    case Kind::kBool:
      out += v.bool_value() ? "true" : "false";
      return true;
    case Kind::kInt:
      out += std::to_string(v.int_value());
      return true;
    case Kind::kDouble:
      return false;
    case Kind::kString:
      AppendCanonicalString(out, v.string_value());
      return true;
    case Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.array()) {
        if (!first) out.push_back(',');
        first = false;
        if (!AppendCanonical(out, item)) return false;
      }
      out.push_back(']');
      return true;
    }
    case Kind::kObject:
      return AppendCanonicalObject(out, v.object());
  }
  return false;
}

bool AppendCanonicalObject(std::string& out, const Object& object) {
  out.push_back('{');
  bool first = true;
  for (const auto& [key, item] : object) {
    if (!first) out.push_back(',');
    first = false;
    AppendCanonicalString(out, key);
    out.push_back(':');
    if (!AppendCanonical(out, item)) return false;
  }
  out.push_back('}');
  return true;
}

void AppendEscapedString(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// indent < 0: compact (no whitespace at all).
void AppendPretty(std::string& out, const Value& v, int indent) {
  const bool compact = indent < 0;
  const std::string pad(compact ? 0 : static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(compact ? 0 : static_cast<std::size_t>(indent + 1) * 2, ' ');
  const char* open_array = compact ? "[" : "[\n";
  const char* open_object = compact ? "{" : "{\n";
  const char* separator = compact ? "," : ",\n";
  const char* last = compact ? "" : "\n";
  const char* colon = compact ? ":" : ": ";
  const int next = compact ? -1 : indent + 1;
  switch (v.kind()) {
    case Kind::kDouble: {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", v.double_value());
      out += buffer;
      // Keep it a number with a fraction, so that it parses back as one.
      if (std::string_view(buffer).find_first_of(".e") == std::string_view::npos) out += ".0";
      return;
    }
    case Kind::kString:
      AppendEscapedString(out, v.string_value());
      return;
    case Kind::kArray: {
      if (v.array().empty()) {
        out += "[]";
        return;
      }
      out += open_array;
      for (std::size_t i = 0; i < v.array().size(); ++i) {
        out += inner;
        AppendPretty(out, v.array()[i], next);
        out += i + 1 < v.array().size() ? separator : last;
      }
      out += pad + "]";
      return;
    }
    case Kind::kObject: {
      if (v.object().empty()) {
        out += "{}";
        return;
      }
      out += open_object;
      std::size_t i = 0;
      for (const auto& [key, item] : v.object()) {
        out += inner;
        AppendEscapedString(out, key);
        out += colon;
        AppendPretty(out, item, next);
        out += ++i < v.object().size() ? separator : last;
      }
      out += pad + "}";
      return;
    }
    default:
      AppendCanonical(out, v);
  }
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kInt:
      return "integer";
    case Kind::kDouble:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "unknown";
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const auto& members = object();
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

Result<Value> Parse(std::string_view text) {
  bj::parse_options options;
  options.max_depth = kMaxDepth;
  bj::basic_parser<Builder> parser(options);
  bj::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || !parser.done() || used != text.size()) {
    std::string why = parser.handler().failure();
    if (why.empty()) why = ec ? ec.message() : "unexpected data after the JSON value";
    return Error(ErrorCode::kMalformed,
                 "invalid JSON at byte " + std::to_string(used) + ": " + why);
  }
  return parser.handler().TakeResult();
}

Result<std::string> Canonicalize(const Object& object) {
  std::string out;
  if (!AppendCanonicalObject(out, object)) {
    return Error(ErrorCode::kMalformed, "canonical JSON cannot hold a non-integer number");
  }
  return out;
}

Result<std::string> Canonicalize(const Value& value) {
  std::string out;
  if (!AppendCanonical(out, value)) {
    return Error(ErrorCode::kMalformed, "canonical JSON cannot hold a non-integer number");
  }
  return out;
}

std::string ToCompactString(const Value& value) {
  std::string out;
  AppendPretty(out, value, -1);
  return out;
}

std::string ToPrettyString(const Value& value) {
  std::string out;
  AppendPretty(out, value, 0);
  out.push_back('\n');
  return out;
}

}  // namespace bsi::json
