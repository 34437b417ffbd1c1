#include "drivers/memfs/memfs_options.h"

#include <charconv>

namespace irpfs::memfs {

namespace {

constexpr size_t kMaxLabelLength = 63;

bool ParseNumber(std::string_view text, uint64_t* value, int base = 10) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value, base);
  return !text.empty() && ec == std::errc() && ptr == end;
}

bool ParseCount(std::string_view text, uint64_t* value) {
  return ParseNumber(text, value) && *value > 0;
}

bool ParseSize(std::string_view text, uint64_t* value) {
  int shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
      case 'T':
      case 't':
        shift = 40;
        break;
      default:
        break;
    }
  }
  if (shift) text.remove_suffix(1);
  uint64_t number;
  if (!ParseCount(text, &number) || number > (UINT64_MAX >> shift)) return false;
  *value = number << shift;
  return true;
}

}  // namespace

NtStatus ParseMemfsOptions(std::string_view text, MemfsOptions* options) {
  MemfsOptions parsed = *options;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    size_t equals = item.find('=');
    if (equals == std::string_view::npos) return NtStatus::InvalidParameter;
    std::string_view key = item.substr(0, equals);
    std::string_view value = item.substr(equals + 1);
    bool ok = false;
    if (key == "capacity") {
      ok = ParseSize(value, &parsed.capacityBytes);
    } else if (key == "inodes") {
      ok = ParseCount(value, &parsed.maxInodes);
    } else if (key == "label") {
      ok = !value.empty() && value.size() <= kMaxLabelLength;
      if (ok) parsed.label = value;
    } else if (key == "mode") {
      uint64_t mode;
      ok = ParseNumber(value, &mode, 8) && mode <= 07777;
      if (ok) parsed.rootMode = static_cast<uint32_t>(mode);
    } else if (key == "uid" || key == "gid") {
      uint64_t id;
      ok = ParseNumber(value, &id) && id <= UINT32_MAX;
      if (ok) (key == "uid" ? parsed.rootUid : parsed.rootGid) = static_cast<int64_t>(id);
    }
    if (!ok) return NtStatus::InvalidParameter;
  }
  *options = std::move(parsed);
  return NtStatus::Success;
}

}  // namespace irpfs::memfs
