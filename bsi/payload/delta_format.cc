#include "bsi/payload/delta_format.h"

#include <algorithm>
#include <limits>

namespace bsi::payload {
namespace {

void PutU32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

void PutU64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t GetLittleEndian(std::span<const std::uint8_t> data, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= static_cast<std::uint64_t>(data[i]) << (8 * i);
  return value;
}

void PutVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

// Decodes a minimal LEB128 varint. Returns the bytes used; 0 if data ends
// inside it.
Result<std::size_t> GetVarint(std::span<const std::uint8_t> data, std::uint64_t& value) {
  value = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t byte = data[i];
    if (i == 9 && byte > 1) return Error(ErrorCode::kMalformed, "control varint exceeds 64 bits");
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && i > 0) return Error(ErrorCode::kMalformed, "control varint not minimal");
      return i + 1;
    }
  }
  return std::size_t{0};
}

Error Malformed(std::uint64_t tuple, std::string_view what) {
  return Error(ErrorCode::kMalformed,
               "control tuple " + std::to_string(tuple) + ": " + std::string(what));
}

}  // namespace

std::string_view DeltaMethodName(DeltaMethod method) {
  switch (method) {
    case DeltaMethod::kBsdiffZstd:
      return "bsdiff-zstd";
    case DeltaMethod::kZstdPrefix:
      return "zstd-prefix";
    case DeltaMethod::kZstdFull:
      return "zstd-full";
  }
  return "unknown";
}

std::string EncodeDeltaHeader(const DeltaHeader& header) {
  std::string out(kDeltaMagic);
  PutU32(out, kDeltaFormatVersion);
  out += static_cast<char>(header.method);
  out.append(3, '\0');
  PutU64(out, header.old_size);
  out.append(header.old_sha256.begin(), header.old_sha256.end());
  PutU64(out, header.new_size);
  out.append(header.new_sha256.begin(), header.new_sha256.end());
  return out;
}

Result<DeltaHeader> ParseDeltaHeader(std::span<const std::uint8_t> data) {
  if (data.size() < kDeltaHeaderSize) {
    return Error(ErrorCode::kMalformed,
                 "patch shorter than its " + std::to_string(kDeltaHeaderSize) + "-byte header");
  }
  if (!std::equal(kDeltaMagic.begin(), kDeltaMagic.end(), data.begin())) {
    return Error(ErrorCode::kMalformed, "not a BSIDELTA patch (bad magic)");
  }
  const std::uint64_t version = GetLittleEndian(data.subspan(8), 4);
  if (version != kDeltaFormatVersion) {
    return Error(ErrorCode::kUnsupported,
                 "BSIDELTA format version " + std::to_string(version) + " is not supported");
  }
  DeltaHeader header;
  const std::uint8_t method = data[12];
  if (method < 1 || method > 3) {
    return Error(ErrorCode::kMalformed, "unknown delta method " + std::to_string(method));
  }
  header.method = static_cast<DeltaMethod>(method);
  if (data[13] != 0 || data[14] != 0 || data[15] != 0) {
    return Error(ErrorCode::kMalformed, "reserved header bytes are not zero");
  }
  header.old_size = GetLittleEndian(data.subspan(16), 8);
  std::copy_n(data.begin() + 24, 32, header.old_sha256.begin());
  header.new_size = GetLittleEndian(data.subspan(56), 8);
  std::copy_n(data.begin() + 64, 32, header.new_sha256.begin());
  return header;
}

std::string EncodeBsdiffPayloadHeader(const BsdiffPayloadHeader& header) {
  std::string out(header.mask.begin(), header.mask.end());
  for (const std::uint64_t length : header.lengths) PutU64(out, length);
  return out;
}

BsdiffPayloadHeader ParseBsdiffPayloadHeader(std::span<const std::uint8_t> data) {
  BsdiffPayloadHeader header;
  std::copy_n(data.begin(), header.mask.size(), header.mask.begin());
  for (std::size_t i = 0; i < kBsdiffStreamCount; ++i) {
    header.lengths[i] = GetLittleEndian(data.subspan(header.mask.size() + 8 * i), 8);
  }
  return header;
}

void AppendControlTuple(std::string& out, const ControlTuple& tuple) {
  PutVarint(out, tuple.add);
  PutVarint(out, tuple.copy);
  const auto seek = static_cast<std::uint64_t>(tuple.seek);
  PutVarint(out, (seek << 1) ^ (tuple.seek < 0 ? ~std::uint64_t{0} : 0));  // zigzag
}

Result<std::size_t> DecodeControlTuple(std::span<const std::uint8_t> data, ControlTuple& tuple) {
  std::size_t used = 0;
  std::uint64_t values[3];
  for (std::uint64_t& value : values) {
    BSI_ASSIGN_OR_RETURN(const std::size_t n, GetVarint(data.subspan(used), value));
    if (n == 0) return std::size_t{0};
    used += n;
  }
  tuple.add = values[0];
  tuple.copy = values[1];
  tuple.seek = static_cast<std::int64_t>((values[2] >> 1) ^ (0 - (values[2] & 1)));
  return used;
}

Status ControlChecker::Check(const ControlTuple& tuple) {
  const std::uint64_t n = ++tuples_;
  if (tuple.add == 0 && tuple.copy == 0 && n > 1) return Malformed(n, "moves no bytes");
  if (tuple.add > new_size_ - new_pos_) return Malformed(n, "adds past the new size");
  if (tuple.add > old_size_ - old_pos_) return Malformed(n, "adds from past the old file");
  new_pos_ += tuple.add;
  old_pos_ += tuple.add;
  if (tuple.copy > new_size_ - new_pos_) return Malformed(n, "copies past the new size");
  new_pos_ += tuple.copy;
  if (tuple.seek < 0) {
    const std::uint64_t back = 0 - static_cast<std::uint64_t>(tuple.seek);
    if (back > old_pos_) return Malformed(n, "seeks before the old file");
    old_pos_ -= back;
  } else {
    const auto forward = static_cast<std::uint64_t>(tuple.seek);
    if (forward > old_size_ - old_pos_) return Malformed(n, "seeks past the old file");
    old_pos_ += forward;
  }
  total_add_ += tuple.add;
  total_copy_ += tuple.copy;
  return Ok();
}

Status ControlChecker::Finish() const {
  if (new_pos_ != new_size_) {
    return Error(ErrorCode::kMalformed, "control tuples produce " + std::to_string(new_pos_) +
                                            " bytes, the header declares " +
                                            std::to_string(new_size_));
  }
  return Ok();
}

std::uint64_t MaxControlBytes(std::uint64_t new_size) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (new_size >= kMax / kMaxControlTupleSize - 1) return kMax;
  return (new_size + 1) * kMaxControlTupleSize;
}

}  // namespace bsi::payload
