// Strict access to the members of parsed JSON objects, for parsers of wire
// formats (TUF metadata, protocol messages). Each getter fails with
// kMalformed and a message naming where the field is ("signed.version must
// be an integer") when the member is missing or of another kind.
//
// Thread-safety: pure functions.
#ifndef BSI_JSON_FIELDS_H_
#define BSI_JSON_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/json/json.h"

namespace bsi::json {

// An Error with kMalformed and the given message.
Error Malformed(std::string message);

// The member or nullptr.
const Value* Find(const Object& object, std::string_view key);

// `where` names the object for messages, e.g. "signed.meta".
Result<const Object*> AsObject(const Value& value, const std::string& where);
Result<const Object*> GetObject(const Object& object, std::string_view key,
                                const std::string& where);
Result<const Array*> GetArray(const Object& object, std::string_view key, const std::string& where);
Result<std::string> GetString(const Object& object, std::string_view key, const std::string& where);
Result<std::int64_t> GetInt(const Object& object, std::string_view key, const std::string& where);
Result<bool> GetBool(const Object& object, std::string_view key, const std::string& where);
// A string member holding an RFC 3339 UTC time ("2030-01-01T00:00:00Z").
Result<UnixTime> GetUtcTime(const Object& object, std::string_view key, const std::string& where);

// Refuses members other than `known` (kMalformed naming the first): a
// message from a newer writer that we would misread must not pass silently.
Status OnlyKnownFields(const Object& object, std::initializer_list<std::string_view> known,
                       const std::string& where);

}  // namespace bsi::json

#endif  // BSI_JSON_FIELDS_H_
