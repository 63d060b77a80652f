#include "cli/key_command.h"

#include <memory>

#include <CLI/CLI.hpp>

#include "bsi/core/posix_file_system.h"
#include "bsi/metadata/serialize.h"
#include "bsi/repo/key_source.h"

#include "cli/output.h"

namespace bsi::cli {
namespace {

struct KeyArgs {
  std::string out;
  std::string file;
  std::string type = "ed25519";
  bool json = false;
};

int Describe(const Output& out, const repo::Signer& signer, const std::string& path) {
  const metadata::Key& key = signer.public_key();
  out.Json(json::Object{{"file", path},
                        {"keyid", signer.key_id()},
                        {"keytype", key.keytype},
                        {"scheme", key.scheme},
                        {"public", key.public_value}});
  out.Line(path + ": " + key.keytype + " key " + signer.key_id());
  return kExitOk;
}

int Generate(const KeyArgs& args) {
  Output out(args.json);
  Result<crypto::KeyType> type = repo::ParseKeyType(args.type);
  if (!type.ok()) return out.Fail("key generate", type.error());
  Result<crypto::PrivateKey> key = crypto::PrivateKey::Generate(*type);
  if (!key.ok()) return out.Fail("key generate", key.error());
  PosixFileSystem fs;
  Status written = repo::WritePrivateKeyFile(fs, args.out, *key);
  if (!written.ok()) return out.Fail("key generate", written.error());
  return Describe(out, repo::PrivateKeySigner(std::move(*key)), args.out);
}

int Show(const KeyArgs& args) {
  Output out(args.json);
  PosixFileSystem fs;
  Result<crypto::PrivateKey> key = repo::ReadPrivateKeyFile(fs, args.file);
  if (!key.ok()) return out.Fail("key show", key.error());
  return Describe(out, repo::PrivateKeySigner(std::move(*key)), args.file);
}

}  // namespace

void AddKeyCommands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<KeyArgs>();
  CLI::App* key = app.add_subcommand("key", "Signing keys (private keys never leave their file)");
  key->require_subcommand(1);

  CLI::App* generate = key->add_subcommand(
      "generate", "Create a private key file (mode 0600, never overwritten); print its key ID");
  generate->add_option("--out", args->out, "Key file to create (PKCS#8 PEM)")->required();
  generate->add_option("--type", args->type, "ed25519 (default) or ecdsa (P-256)");
  generate->add_flag("--json", args->json, "Print the key ID and public key as JSON");
  generate->callback([args, &run] { run = [args] { return Generate(*args); }; });

  CLI::App* show = key->add_subcommand("show", "Print a key file's key ID and public key");
  show->add_option("FILE", args->file, "Private key file")->required();
  show->add_flag("--json", args->json, "Print JSON");
  show->callback([args, &run] { run = [args] { return Show(*args); }; });
}

}  // namespace bsi::cli
