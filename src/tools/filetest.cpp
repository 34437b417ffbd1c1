#include "tools/filetest.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/irp_codes.h"
#include "transport/inproc/win32.h"

namespace irpfs::tools {
namespace {

struct Name {
  const char* text;
  uint32_t value;
};

constexpr Name kAccess[] = {
    {"r", access::kGenericRead},
    {"w", access::kGenericWrite},
    {"rw", access::kGenericRead | access::kGenericWrite},
    {"append", access::kAppendData | access::kSynchronize},
    {"delete", access::kDelete},
    {"attr", access::kReadAttributes},
    {"wattr", access::kWriteAttributes},
    {"all", access::kGenericAll},
};
constexpr Name kShare[] = {
    {"none", 0},           {"r", share::kRead},  {"w", share::kWrite},
    {"d", share::kDelete}, {"all", share::kAll},
};
constexpr Name kDisposition[] = {
    {"create-new", inproc::CREATE_NEW},      {"create-always", inproc::CREATE_ALWAYS},
    {"open", inproc::OPEN_EXISTING},         {"open-always", inproc::OPEN_ALWAYS},
    {"truncate", inproc::TRUNCATE_EXISTING},
};
constexpr Name kFlags[] = {
    {"writethrough", inproc::FILE_FLAG_WRITE_THROUGH},
    {"nobuffering", inproc::FILE_FLAG_NO_BUFFERING},
    {"random", inproc::FILE_FLAG_RANDOM_ACCESS},
    {"sequential", inproc::FILE_FLAG_SEQUENTIAL_SCAN},
    {"deleteonclose", inproc::FILE_FLAG_DELETE_ON_CLOSE},
    {"backup", inproc::FILE_FLAG_BACKUP_SEMANTICS},
    {"reparse", inproc::FILE_FLAG_OPEN_REPARSE_POINT},
    {"readonly", file_attribute::kReadonly},
    {"hidden", file_attribute::kHidden},
    {"system", file_attribute::kSystem},
    {"archive", file_attribute::kArchive},
    {"normal", file_attribute::kNormal},
};

template <size_t N>
std::string BitsText(uint32_t bits, const Name (&names)[N], const char* none) {
  std::string out;
  uint32_t left = bits;
  for (const Name& name : names) {
    if (name.value != 0 && (left & name.value) == name.value) {
      out += out.empty() ? "" : "|";
      out += name.text;
      left &= ~name.value;
    }
  }
  if (left != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", left);
    out += (out.empty() ? "" : "|") + std::string(hex);
  }
  return out.empty() ? none : out;
}

// "r,w" -> bits; false on an unknown word.
template <size_t N>
bool ParseBits(const std::string& text, const Name (&names)[N], uint32_t* bits,
               std::string* error) {
  *bits = 0;
  std::stringstream words(text);
  std::string word;
  while (std::getline(words, word, ',')) {
    bool found = false;
    for (const Name& name : names) {
      if (word == name.text) {
        *bits |= name.value;
        found = true;
      }
    }
    if (!found) {
      *error = "unknown value '" + word + "'";
      return false;
    }
  }
  return true;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> words;
  std::stringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "irpfs: %s\n", message.c_str());
  return 1;
}

constexpr char kUsage[] =
    "usage: irpfs filetest [--inproc] PATH [--access r,w,rw,append,delete,attr,wattr,all]\n"
    "         [--share none|r,w,d|all] [--disposition create-new|create-always|open|\n"
    "         open-always|truncate] [--flags writethrough,nobuffering,random,sequential,\n"
    "         deleteonclose,backup,reparse] [--attributes readonly,hidden,system,archive,normal]\n"
    "         [--script FILE] [STEP...]\n"
    "steps: open | close | read LEN [OFF] | write TEXT [OFF] | lock OFF LEN | unlock OFF LEN |\n"
    "       ioctl CODE | query | setsize N | delete | enum [DIR]\n";

// Runs one line; false (after a message) for an unknown step.
bool RunLine(FileTestTarget& target, const std::string& line) {
  std::vector<std::string> words = Split(line);
  if (words.empty() || words[0][0] == '#') return true;
  std::printf("> %s\n", line.c_str());
  if (!target.Step(words)) {
    std::printf("  unknown step '%s'\n", words[0].c_str());
    return false;
  }
  std::fflush(stdout);
  return true;
}

}  // namespace

std::string AccessText(uint32_t access) {
  return BitsText(access, kAccess, "0");
}
std::string ShareText(uint32_t share) {
  return BitsText(share, kShare, "none");
}
std::string DispositionText(uint32_t disposition) {
  for (const Name& name : kDisposition) {
    if (name.value == disposition) return name.text;
  }
  return std::to_string(disposition);
}
std::string FlagsText(uint32_t flags) {
  return BitsText(flags, kFlags, "0");
}

int RunFileTest(int argc, char** argv) {
  FileTestRequest request;
  request.access = access::kGenericRead | access::kGenericWrite;
  request.share = share::kRead | share::kWrite;
  request.disposition = inproc::OPEN_ALWAYS;
  bool inproc = false;
  std::string script;
  std::vector<std::string> steps;
  uint32_t attributes = 0;
  uint32_t flags = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string text;
    std::string error;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--inproc") {
      inproc = true;
    } else if (arg == "--access") {
      if (!value(&text) || !ParseBits(text, kAccess, &request.access, &error))
        return Fail("--access: " + error);
    } else if (arg == "--share") {
      if (!value(&text) || !ParseBits(text, kShare, &request.share, &error))
        return Fail("--share: " + error);
    } else if (arg == "--disposition") {
      if (!value(&text) || !ParseBits(text, kDisposition, &request.disposition, &error) ||
          text.find(',') != std::string::npos)
        return Fail("--disposition: " + (error.empty() ? "one value" : error));
    } else if (arg == "--flags") {
      if (!value(&text) || !ParseBits(text, kFlags, &flags, &error) || (flags & 0xffff))
        return Fail("--flags: " + (error.empty() ? "flags only" : error));
    } else if (arg == "--attributes") {
      if (!value(&text) || !ParseBits(text, kFlags, &attributes, &error) || (attributes & ~0xffffu))
        return Fail("--attributes: " + (error.empty() ? "attributes only" : error));
    } else if (arg == "--script") {
      if (!value(&script)) return Fail("--script needs a FILE");
    } else if (arg[0] == '-') {
      return Fail("filetest: unknown option " + arg);
    } else if (request.path.empty()) {
      request.path = arg;
    } else {
      steps.push_back(arg);
    }
  }
  if (request.path.empty()) return Fail("filetest needs a PATH (see irpfs filetest --help)");
  request.flags = flags | attributes;

  std::string error;
  std::unique_ptr<FileTestTarget> target =
      inproc ? MakeInprocTarget(request, &error) : MakePosixTarget(request);
  if (!target) return Fail(error);
  target->Describe(request);

  bool ok = true;
  if (!script.empty()) {
    std::ifstream in(script);
    if (!in) return Fail("cannot read script " + script);
    std::string line;
    while (std::getline(in, line)) ok = RunLine(*target, line) && ok;
  } else if (!steps.empty()) {
    // Steps as arguments: words up to the next step name form one step.
    static const char* const kStepNames[] = {"open",    "close",  "read",  "write",
                                             "lock",    "unlock", "ioctl", "query",
                                             "setsize", "delete", "enum"};
    std::string line;
    for (const std::string& word : steps) {
      bool isStep = false;
      for (const char* name : kStepNames) isStep = isStep || word == name;
      if (isStep && !line.empty()) {
        ok = RunLine(*target, line) && ok;
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) ok = RunLine(*target, line) && ok;
  } else {
    bool prompt = isatty(STDIN_FILENO);
    std::string line;
    for (;;) {
      if (prompt) {
        std::fputs("filetest> ", stdout);
        std::fflush(stdout);
      }
      if (!std::getline(std::cin, line)) break;
      if (line == "quit" || line == "exit") break;
      RunLine(*target, line);
    }
  }
  target.reset();
  return ok ? 0 : 1;
}

}  // namespace irpfs::tools
