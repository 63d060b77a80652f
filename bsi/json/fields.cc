#include "bsi/json/fields.h"

#include <algorithm>

#include "bsi/core/time_format.h"

namespace bsi::json {
namespace {

Result<const Value*> Get(const Object& object, std::string_view key, Kind kind,
                         const std::string& where) {
  const Value* value = Find(object, key);
  const std::string name = where + "." + std::string(key);
  if (value == nullptr) return Malformed(name + " is missing");
  if (value->kind() != kind) {
    return Malformed(name + " must be " + (kind == Kind::kInt ? "an " : "a ") +
                     std::string(KindName(kind)) + ", not " + std::string(KindName(value->kind())));
  }
  return value;
}

}  // namespace

Error Malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

const Value* Find(const Object& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

Result<const Object*> AsObject(const Value& value, const std::string& where) {
  if (!value.is_object()) {
    return Malformed(where + " must be an object, not " + std::string(KindName(value.kind())));
  }
  return &value.object();
}

Result<const Object*> GetObject(const Object& object, std::string_view key,
                                const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const Value* value, Get(object, key, Kind::kObject, where));
  return &value->object();
}

Result<const Array*> GetArray(const Object& object, std::string_view key,
                              const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const Value* value, Get(object, key, Kind::kArray, where));
  return &value->array();
}

Result<std::string> GetString(const Object& object, std::string_view key,
                              const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const Value* value, Get(object, key, Kind::kString, where));
  return value->string_value();
}

Result<std::int64_t> GetInt(const Object& object, std::string_view key, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const Value* value, Get(object, key, Kind::kInt, where));
  return value->int_value();
}

Result<bool> GetBool(const Object& object, std::string_view key, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const Value* value, Get(object, key, Kind::kBool, where));
  return value->bool_value();
}

Result<UnixTime> GetUtcTime(const Object& object, std::string_view key, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const std::string text, GetString(object, key, where));
  Result<UnixTime> time = ParseUtcTimestamp(text);
  if (!time.ok()) return Malformed(where + "." + std::string(key) + " is not a UTC time");
  return *time;
}

Status OnlyKnownFields(const Object& object, std::initializer_list<std::string_view> known,
                       const std::string& where) {
  for (const auto& [key, value] : object) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Malformed(where + " has an unknown field \"" + key + "\"");
    }
  }
  return Ok();
}

}  // namespace bsi::json
