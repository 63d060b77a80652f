#include "bsi/config/config_file.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace bsi::config {
namespace {

constexpr std::string_view kText = R"(
[server]
listen = "127.0.0.1:8080"
threads = 2
ratio = 0.25
tls = false
timeout = "10s"
argv = ["/bin/true", "x"]

[[component]]
name = "webkit"
[[component]]
name = "openssl"
)";

TEST(ConfigFileTest, ReadsTypedValues) {
  Result<ConfigFile> file = ConfigFile::Parse(kText, "t.toml");
  ASSERT_OK(file);
  Result<std::optional<ConfigTable>> server = file->root().Table("server");
  ASSERT_OK(server);
  ASSERT_TRUE(server->has_value());
  ConfigTable& s = **server;
  EXPECT_EQ(*s.String("listen").value(), "127.0.0.1:8080");
  EXPECT_EQ(*s.Int("threads").value(), 2);
  EXPECT_DOUBLE_EQ(*s.Number("ratio").value(), 0.25);
  EXPECT_EQ(*s.Bool("tls").value(), false);
  EXPECT_EQ(*s.Duration("timeout").value(), 10);
  EXPECT_EQ(s.Strings("argv").value()->size(), 2u);
  EXPECT_FALSE(s.String("absent").value().has_value());
  EXPECT_OK(s.CheckAllRead());
  Result<std::vector<ConfigTable>> components = file->root().Tables("component");
  ASSERT_OK(components);
  ASSERT_EQ(components->size(), 2u);
  EXPECT_EQ(*(*components)[1].String("name").value(), "openssl");
  EXPECT_OK(file->root().CheckAllRead());
}

TEST(ConfigFileTest, NamesTheKeyOfEveryError) {
  Result<ConfigFile> file = ConfigFile::Parse(kText, "t.toml");
  ASSERT_OK(file);
  ConfigTable s = *file->root().Table("server").value();
  Result<std::optional<std::int64_t>> wrong = s.Int("listen");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "t.toml: server.listen: must be a whole number");
  EXPECT_FALSE(s.Duration("listen").ok());
  EXPECT_FALSE(s.Bool("threads").ok());
  EXPECT_FALSE(s.Strings("listen").ok());
  EXPECT_FALSE(s.Table("listen").ok());

  ConfigTable partly = *file->root().Table("server").value();
  (void)partly.String("listen");
  Status unread = partly.CheckAllRead();
  ASSERT_FALSE(unread.ok());
  EXPECT_NE(unread.error().message().find("unknown key"), std::string::npos);
}

TEST(ConfigFileTest, RefusesBadToml) {
  Result<ConfigFile> file = ConfigFile::Parse("[server\nx = 1\n", "bad.toml");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(file.error().message().find("bad.toml"), std::string::npos);
  EXPECT_NE(file.error().message().find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace bsi::config
