// `irpfs filetest`: a CreateFile tester in the spirit of OSR's FileTest. It opens one file
// with a chosen access, share mode, disposition, flags and attributes, then runs steps on
// the open and prints each call's result:
//   --inproc     on a fresh in-process memfs volume with full NT semantics (share modes,
//                dispositions, byte-range locks); a trace filter on the stack shows the
//                IRPs each call produced.
//   otherwise    on a path (a mount, or any file system): the request is mapped to
//                open(2) flags and posix_fadvise hints, shown side by side with the NT
//                request, and the steps are the matching system calls.
//
// Steps (one per line in a script, or as arguments after the path):
//   open | close | read LEN [OFF] | write TEXT [OFF] | lock OFF LEN | unlock OFF LEN |
//   ioctl CODE | query | setsize N | delete | enum [DIR] | # comment
// Without steps, steps come from stdin: with a "filetest> " prompt when it is a terminal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace irpfs::tools {

// The open request, in NT terms.
struct FileTestRequest {
  std::string path;
  uint32_t access = 0;       // access:: bits (generic ones allowed)
  uint32_t share = 0;        // share:: bits
  uint32_t disposition = 0;  // Win32: CREATE_NEW .. TRUNCATE_EXISTING
  uint32_t flags = 0;        // FILE_FLAG_* | FILE_ATTRIBUTE_*
};

// A target runs steps on one open; every line it prints ends with '\n'.
class FileTestTarget {
 public:
  virtual ~FileTestTarget() = default;
  // Prints how the request is carried out on this target.
  virtual void Describe(const FileTestRequest& request) = 0;
  // Runs one step (already split into words). False for an unknown step.
  virtual bool Step(const std::vector<std::string>& words) = 0;
};

// Parses `irpfs filetest` arguments (argv[0] is "filetest") and runs. Exit status.
int RunFileTest(int argc, char** argv);

// The targets (filetest_inproc.cpp, filetest_posix.cpp); nullptr with *error on failure.
std::unique_ptr<FileTestTarget> MakeInprocTarget(const FileTestRequest& request,
                                                 std::string* error);
std::unique_ptr<FileTestTarget> MakePosixTarget(const FileTestRequest& request);

// Text forms, shared by both targets.
std::string AccessText(uint32_t access);
std::string ShareText(uint32_t share);
std::string DispositionText(uint32_t disposition);
std::string FlagsText(uint32_t flags);

}  // namespace irpfs::tools
