// Context control block: the class driver's state for one open (FileObject::fsContext2).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace irpfs::fsclass {

class Fcb;

// Where a directory enumeration of one open stands.
struct DirCursor {
  bool started = false;     // a query ran since the open or the last restart
  uint64_t lastCookie = 0;  // fileIndex of the last entry returned or skipped; 0 = start
  std::string pattern;      // fixed by the first query of a scan; empty = everything
};

struct Ccb {
  void* openContext = nullptr;         // the mini's, from Open
  std::atomic<bool> cleanedUp{false};  // CLEANUP ran: the handle is gone
  bool deleteOnClose = false;          // FILE_DELETE_ON_CLOSE
  bool appendOnly = false;             // O_APPEND, or append access without write access
  bool synchronousIo = false;          // fo_flag::kSynchronousIo at create: I/O moves the position

  // The name this open was made by (or renamed to through it): the directory, referenced,
  // and the name in it. The root has no parent. Guarded by the open's FCB mutex.
  Fcb* parent = nullptr;
  std::string name;

  std::mutex enumMutex;  // serializes directory queries on this open
  DirCursor cursor;
};

}  // namespace irpfs::fsclass
