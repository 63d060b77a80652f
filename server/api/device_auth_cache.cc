#include "server/api/device_auth_cache.h"

#include <utility>

namespace bsi::server {

std::optional<DeviceAuthCache::Device> DeviceAuthCache::Find(std::string_view token_hash,
                                                             UnixTime now) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(token_hash);
  if (it == entries_.end() || it->second.expires <= now.seconds) return std::nullopt;
  return it->second.device;
}

void DeviceAuthCache::Remember(std::string_view token_hash, Device device, UnixTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= options_.max_entries) {
    std::erase_if(entries_, [&](const auto& entry) { return entry.second.expires <= now.seconds; });
    if (entries_.size() >= options_.max_entries) entries_.clear();
  }
  entries_.insert_or_assign(std::string(token_hash),
                            Entry{std::move(device), now.seconds + options_.ttl_seconds});
}

void DeviceAuthCache::Forget(std::string_view token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(token_hash);
  if (it != entries_.end()) entries_.erase(it);
}

std::size_t DeviceAuthCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace bsi::server
