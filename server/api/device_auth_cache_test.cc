#include "server/api/device_auth_cache.h"

#include <string>

#include <gtest/gtest.h>

namespace bsi::server {
namespace {

TEST(DeviceAuthCacheTest, RemembersUntilTheTtlEnds) {
  DeviceAuthCache cache({.ttl_seconds = 30, .max_entries = 10});
  EXPECT_FALSE(cache.Find("h1", UnixTime{100}).has_value());
  cache.Remember("h1", {"d1", "lab"}, UnixTime{100});
  std::optional<DeviceAuthCache::Device> found = cache.Find("h1", UnixTime{129});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "d1");
  EXPECT_EQ(found->group, "lab");
  EXPECT_FALSE(cache.Find("h1", UnixTime{130}).has_value());
  EXPECT_FALSE(cache.Find("h2", UnixTime{100}).has_value());
}

TEST(DeviceAuthCacheTest, ForgetDropsAnEntryAndRememberReplacesOne) {
  DeviceAuthCache cache({.ttl_seconds = 30, .max_entries = 10});
  cache.Remember("h1", {"d1", "default"}, UnixTime{100});
  cache.Remember("h1", {"d1", "lab"}, UnixTime{110});
  EXPECT_EQ(cache.Find("h1", UnixTime{135})->group, "lab");
  cache.Forget("h1");
  cache.Forget("never-seen");
  EXPECT_FALSE(cache.Find("h1", UnixTime{111}).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DeviceAuthCacheTest, StaysWithinItsBound) {
  DeviceAuthCache cache({.ttl_seconds = 10, .max_entries = 4});
  for (int i = 0; i < 4; ++i) cache.Remember("old-" + std::to_string(i), {"d", "g"}, UnixTime{0});
  // At the bound, the expired entries go first.
  cache.Remember("new", {"d", "g"}, UnixTime{20});
  EXPECT_EQ(cache.size(), 1u);
  for (int i = 0; i < 3; ++i) cache.Remember("live-" + std::to_string(i), {"d", "g"}, UnixTime{20});
  EXPECT_EQ(cache.size(), 4u);
  // None expired: everything goes.
  cache.Remember("one-more", {"d", "g"}, UnixTime{21});
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Find("one-more", UnixTime{21}).has_value());
}

}  // namespace
}  // namespace bsi::server
