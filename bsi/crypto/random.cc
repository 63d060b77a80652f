#include "bsi/crypto/random.h"

#include <algorithm>
#include <climits>

#include <openssl/rand.h>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/openssl_util.h"

namespace bsi::crypto {

Result<std::string> RandomBytes(std::size_t n) {
  internal::ErrorQueueCleaner cleaner;
  std::string out(n, '\0');
  // RAND_bytes takes an int count; fill larger requests in pieces.
  std::size_t done = 0;
  while (done < n) {
    std::size_t chunk = std::min<std::size_t>(n - done, INT_MAX);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(chunk)) !=
        1) {
      return internal::OpenSslError(ErrorCode::kInternal, "RAND_bytes");
    }
    done += chunk;
  }
  return out;
}

Result<std::string> RandomHex(std::size_t n) {
  BSI_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(n));
  return HexEncode(bytes);
}

}  // namespace bsi::crypto
