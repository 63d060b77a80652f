// Cryptographically secure random bytes, from OpenSSL's DRBG (seeded by the
// operating system). For nonces, temporary file names and test keys.
//
// Thread-safety: thread-safe.
#ifndef BSI_CRYPTO_RANDOM_H_
#define BSI_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "bsi/core/result.h"

namespace bsi::crypto {

// n random bytes ("" for n == 0). Errors: kInternal if the generator is not
// seeded or fails.
Result<std::string> RandomBytes(std::size_t n);

// n random bytes as 2n lowercase hex digits. Errors: as RandomBytes.
Result<std::string> RandomHex(std::size_t n);

}  // namespace bsi::crypto

#endif  // BSI_CRYPTO_RANDOM_H_
