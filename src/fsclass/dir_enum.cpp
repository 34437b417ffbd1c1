#include "fsclass/dir_enum.h"

#include <cstddef>
#include <cstring>

namespace irpfs::fsclass {

bool MatchPattern(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return true;
  size_t p = 0, n = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      // Let the last '*' swallow one more byte and retry from there.
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

DirEntryPacker::DirEntryPacker(void* buffer, uint32_t length, std::string_view pattern,
                               bool fullStat, bool singleEntry, uint64_t resumeCookie)
    : buffer_(static_cast<std::byte*>(buffer)),
      length_(length),
      pattern_(pattern),
      fullStat_(fullStat),
      singleEntry_(singleEntry),
      lastCookie_(resumeCookie) {}

bool DirEntryPacker::Matches(std::string_view name) const {
  return pattern_.empty() || MatchPattern(pattern_, name);
}

bool DirEntryPacker::Add(std::string_view name, uint64_t cookie, const FileStat& stat) {
  return AddEntry(name, cookie + kMiniCookieBias, stat);
}

bool DirEntryPacker::AddEntry(std::string_view name, uint64_t cookie, const FileStat& stat) {
  if (stopped_) return false;
  if (!Matches(name)) {
    lastCookie_ = cookie;
    return true;
  }
  if (singleEntry_ && count_ > 0) {
    stopped_ = true;
    return false;
  }
  const size_t headerSize = fullStat_ ? sizeof(DirEntryHeader) : sizeof(DirEntryIdHeader);
  const size_t recordSize = fullStat_ ? DirEntrySize(name.size()) : DirEntryIdSize(name.size());
  uint64_t end = uint64_t{nextOffset_} + headerSize + name.size();
  if (end > length_) {
    if (count_ == 0) neededForFirst_ = static_cast<uint32_t>(recordSize);
    stopped_ = true;
    return false;
  }
  // memcpy: the caller's buffer need not be aligned for the header.
  std::byte* at = buffer_ + nextOffset_;
  if (fullStat_) {
    DirEntryHeader header;
    header.nameLength = static_cast<uint32_t>(name.size());
    header.fileIndex = cookie;
    header.stat = stat;
    std::memcpy(at, &header, sizeof header);
  } else {
    DirEntryIdHeader header;
    header.nameLength = static_cast<uint32_t>(name.size());
    header.fileIndex = cookie;
    header.fileId = stat.fileId;
    header.mode = stat.mode;
    std::memcpy(at, &header, sizeof header);
  }
  std::memcpy(at + headerSize, name.data(), name.size());
  // Both headers start with nextEntryOffset.
  static_assert(offsetof(DirEntryHeader, nextEntryOffset) == 0 &&
                offsetof(DirEntryIdHeader, nextEntryOffset) == 0);
  if (count_ > 0) {
    uint32_t link = nextOffset_ - previousOffset_;
    std::memcpy(buffer_ + previousOffset_, &link, sizeof link);
  }
  previousOffset_ = nextOffset_;
  bytesUsed_ = static_cast<uint32_t>(end);
  uint64_t next = recordSize + nextOffset_;
  nextOffset_ = next > length_ ? length_ : static_cast<uint32_t>(next);
  ++count_;
  lastCookie_ = cookie;
  return true;
}

}  // namespace irpfs::fsclass
