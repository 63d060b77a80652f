// DeviceAuthCache: which device a device token belongs to, remembered for
// a short while, so that a device's status reports do not each cost a
// database read to authenticate.
//
// The cache is never the last word: a report is stored only if the token
// is still the device's when its transaction commits (FleetDb checks
// IncomingReport::token_hash), so a token replaced by re-enrollment or a
// device removed is refused at once, and then forgotten here. What may
// lag by up to `ttl` is the group a cached entry names (used to choose
// which group's safe-mode share to re-check). Declarations, which depend
// on the group, are always read from the database.
//
// Thread-safety: all members may be called from any thread.
#ifndef BSI_SERVER_API_DEVICE_AUTH_CACHE_H_
#define BSI_SERVER_API_DEVICE_AUTH_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bsi/core/clock.h"

namespace bsi::server {

class DeviceAuthCache {
 public:
  struct Options {
    std::int64_t ttl_seconds = 30;
    // Beyond this many entries, expired ones are dropped, and if none
    // were, the whole cache (a fleet larger than this simply reads more).
    std::size_t max_entries = 200000;
  };

  struct Device {
    std::string id;
    std::string group;
  };

  explicit DeviceAuthCache(Options options) : options_(options) {}

  // The device of this token hash, if remembered and not expired at `now`.
  std::optional<Device> Find(std::string_view token_hash, UnixTime now) const;
  void Remember(std::string_view token_hash, Device device, UnixTime now);
  void Forget(std::string_view token_hash);

  std::size_t size() const;

 private:
  struct Entry {
    Device device;
    std::int64_t expires = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace bsi::server

#endif  // BSI_SERVER_API_DEVICE_AUTH_CACHE_H_
