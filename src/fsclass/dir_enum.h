// Directory enumeration: patterns, and packing entries into a QUERY_DIRECTORY buffer.
//
// Entries are a header (DirEntryHeader for FileFullDirectoryInformation, DirEntryIdHeader
// for FileDirectoryInformation) + name, each starting 8-byte aligned, chained by
// nextEntryOffset (0 on the last). The last entry is not padded: the bytes used end right
// after its name. fileIndex is the entry's cookie: "." is 1, ".." is 2, and the mini's
// cookie c is reported as c + 2 (kMiniCookieBias), so a resume index maps back exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/fs_info.h"
#include "fsclass/mini_fs.h"

namespace irpfs::fsclass {

inline constexpr uint64_t kDotCookie = 1;
inline constexpr uint64_t kDotDotCookie = 2;
inline constexpr uint64_t kMiniCookieBias = 2;

// '*' matches any run of bytes, '?' any one byte; an empty pattern matches everything.
// Case-sensitive, no allocation.
bool MatchPattern(std::string_view pattern, std::string_view name);

class DirEntryPacker final : public DirectoryFiller {
 public:
  // fullStat: FileFullDirectoryInformation (the whole FileStat) rather than
  // FileDirectoryInformation (fileId and mode only).
  DirEntryPacker(void* buffer, uint32_t length, std::string_view pattern, bool fullStat,
                 bool singleEntry, uint64_t resumeCookie);

  // From the mini: cookies are the mini's own and get the bias added.
  bool Add(std::string_view name, uint64_t cookie, const FileStat& stat) override;
  bool NeedsFullStat() const override { return fullStat_; }
  // An entry with its final cookie ("." and "..").
  bool AddEntry(std::string_view name, uint64_t cookie, const FileStat& stat);

  bool stopped() const { return stopped_; }
  uint32_t count() const { return count_; }
  uint32_t bytesUsed() const { return bytesUsed_; }
  // Cookie of the last entry taken or skipped by the pattern: where the next query resumes.
  uint64_t lastCookie() const { return lastCookie_; }
  // When nothing fit: the size the first matching entry needs (0 if none matched).
  uint32_t neededForFirst() const { return neededForFirst_; }
  bool Matches(std::string_view name) const;

 private:
  std::byte* buffer_;
  uint32_t length_;
  std::string_view pattern_;
  bool fullStat_;
  bool singleEntry_;
  bool stopped_ = false;
  uint32_t count_ = 0;
  uint32_t nextOffset_ = 0;  // where the next entry would start (aligned)
  uint32_t bytesUsed_ = 0;
  uint32_t previousOffset_ = 0;
  uint64_t lastCookie_;
  uint32_t neededForFirst_ = 0;
};

}  // namespace irpfs::fsclass
