// Internal to inproc: what a find handle (FindFirstFile) holds.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "core/file_object.h"
#include "transport/inproc/io_operation.h"

namespace irpfs::inproc::detail {

struct FindState {
  FindState() = default;
  FindState(const FindState&) = delete;
  FindState& operator=(const FindState&) = delete;
  // The last owner (FindClose, or a FindNextFile still running on another thread) closes
  // the directory open.
  ~FindState() {
    if (directory != nullptr) ObCloseHandle(directory->fileObject);
  }

  std::shared_ptr<OpenFile> directory;  // holds one handle count
  std::string pattern;

  std::mutex mutex;                     // FindNextFile calls on one handle take turns
  std::unique_ptr<std::byte[]> buffer;  // the last IRP_MN_QUERY_DIRECTORY's entries
  size_t filled = 0;                    // bytes of entries in buffer
  size_t nextEntry = 0;                 // offset of the entry FindNextFile returns next
  bool bufferHasMore = false;           // entries remain in buffer at nextEntry
  bool exhausted = false;               // the driver said there is nothing more
};

}  // namespace irpfs::inproc::detail
