// Fuzzes PublicKey (bsi/crypto/public_key.h): parsing keys from TUF metadata
// and verifying signatures from the network.
//
// Input: one selector byte, then "<public value>\0<message>\0<signature hex>"
// (missing parts are empty). The selector picks the keytype/scheme pair.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - every rejected key is kBadKey with a short, non-empty message;
//  - an accepted key reports back the keytype, scheme and value it was given;
//  - Verify never crashes and gives the same answer twice, for the fuzzed key
//    and for fixed valid keys of every scheme;
//  - the fixed keys accept a fuzzed signature only for their own known
//    (message, signature) pair: forging one would mean a broken verifier.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/public_key.h"
#include "bsi/crypto/testdata/python_vectors.h"

namespace {

using bsi::ErrorCode;
using bsi::Result;
using bsi::crypto::PublicKey;
namespace pv = bsi::crypto::python_vectors;

constexpr std::size_t kMaxMessage = 1024;

struct Scheme {
  std::string_view keytype;
  std::string_view scheme;
};

constexpr Scheme kSchemes[] = {
    {"ed25519", "ed25519"},
    {"ecdsa", "ecdsa-sha2-nistp256"},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"},
    {"rsa", "rsassa-pss-sha256"},
    {"rsa", "rsassa-pss-sha512"},  // unsupported: always kBadKey
};

void Check(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  (void)std::fprintf(stderr, "public_key_fuzzer: %s (input %zu bytes)\n", what, input.size());
  std::abort();
}

struct KnownKey {
  PublicKey key;
  std::vector<std::string_view> signatures;  // of pv::kMessage
};

const std::vector<KnownKey>& KnownKeys() {
  static const std::vector<KnownKey>* keys = [] {
    auto* out = new std::vector<KnownKey>;
    auto add = [&](std::string_view keytype, std::string_view scheme, std::string_view value,
                   std::vector<std::string_view> signatures) {
      Result<PublicKey> key = PublicKey::FromTuf(keytype, scheme, value);
      if (!key.ok()) std::abort();
      out->push_back(KnownKey{std::move(key).value(), std::move(signatures)});
    };
    add("ed25519", "ed25519", pv::kEd25519Public, {pv::kEd25519Signature});
    add("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic, {pv::kEcdsaSignature});
    add("rsa", "rsassa-pss-sha256", pv::kRsaPublic,
        {pv::kRsaSignatureDigestSalt, pv::kRsaSignatureMaxSalt});
    return out;
  }();
  return *keys;
}

std::string_view NextPart(std::string_view& rest) {
  std::size_t nul = rest.find('\0');
  std::string_view part = rest.substr(0, nul);
  rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  return part;
}

bool SameHex(std::string_view a, std::string_view b) {
  Result<std::vector<std::uint8_t>> da = bsi::crypto::HexDecode(a);
  Result<std::vector<std::uint8_t>> db = bsi::crypto::HexDecode(b);
  return da.ok() && db.ok() && *da == *db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const Scheme& scheme = kSchemes[static_cast<std::uint8_t>(input[0]) % std::size(kSchemes)];
  std::string_view rest = input.substr(1);
  const std::string_view value = NextPart(rest);
  const std::string_view message = NextPart(rest);
  const std::string_view signature = NextPart(rest);

  Result<PublicKey> key = PublicKey::FromTuf(scheme.keytype, scheme.scheme, value);
  if (!key.ok()) {
    Check(key.error().code() == ErrorCode::kBadKey, "error code", input);
    Check(!key.error().message().empty(), "empty error message", input);
    Check(key.error().message().size() < kMaxMessage, "unbounded error message", input);
  } else {
    Check(key->keytype() == scheme.keytype && key->scheme() == scheme.scheme &&
              key->public_value() == value,
          "accessors differ from the input", input);
    bool first = key->Verify(message, signature);
    Check(first == key->Verify(message, signature), "Verify is not deterministic", input);
  }

  for (const KnownKey& known : KnownKeys()) {
    bool valid = known.key.Verify(message, signature);
    Check(valid == known.key.Verify(message, signature), "Verify is not deterministic", input);
    if (valid) {
      bool known_pair = message == pv::kMessage &&
                        std::any_of(known.signatures.begin(), known.signatures.end(),
                                    [&](std::string_view s) { return SameHex(signature, s); });
      Check(known_pair, "a fixed key accepted an unknown signature", input);
    }
  }
  return 0;
}
