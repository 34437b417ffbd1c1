// Calls a MemFs directly, as the class driver would, with helpers that keep tests short.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/memfs/memfs.h"

namespace irpfs::memfs::testing {

using fsclass::NodeRef;
using fsclass::OperationContext;

// Collects directory entries; stops after `limit` (to test resuming).
class CollectingFiller : public fsclass::DirectoryFiller {
 public:
  struct Entry {
    std::string name;
    uint64_t cookie;
    FileStat stat;
  };
  explicit CollectingFiller(size_t limit = SIZE_MAX, bool fullStat = true)
      : limit_(limit), fullStat_(fullStat) {}
  bool Add(std::string_view name, uint64_t cookie, const FileStat& stat) override {
    if (entries.size() >= limit_) return false;
    entries.push_back({std::string(name), cookie, stat});
    return true;
  }
  bool NeedsFullStat() const override { return fullStat_; }
  std::vector<Entry> entries;

 private:
  size_t limit_;
  bool fullStat_;
};

class MemfsTest : public ::testing::Test {
 protected:
  explicit MemfsTest(MemfsOptions options = {}) : fs_(std::make_unique<MemFs>(options)) {
    ctx_.requestor.uid = 1000;
    ctx_.requestor.gid = 1000;
  }

  NodeRef root() { return fs_->Root(); }

  NodeRef Make(NodeRef dir, std::string_view name, uint32_t mode, std::string_view target = {},
               uint64_t rdev = 0) {
    fsclass::NewNodeSpec spec;
    spec.mode = mode;
    spec.uid = ctx_.requestor.uid;
    spec.gid = ctx_.requestor.gid;
    spec.symlinkTarget = target;
    spec.rdev = rdev;
    NodeRef out;
    NtStatus s = fs_->Create(ctx_, dir, name, spec, &out);
    EXPECT_EQ(s, NtStatus::Success) << name;
    if (NtSuccess(s)) held_.push_back(out);
    return out;
  }
  NodeRef MakeFile(NodeRef dir, std::string_view name) { return Make(dir, name, S_IFREG | 0644); }
  NodeRef MakeDir(NodeRef dir, std::string_view name) { return Make(dir, name, S_IFDIR | 0755); }

  NtStatus LookupStatus(NodeRef dir, std::string_view name) {
    NodeRef out;
    NtStatus s = fs_->Lookup(ctx_, dir, name, &out);
    if (NtSuccess(s)) fs_->Forget(out);
    return s;
  }
  NodeRef Lookup(NodeRef dir, std::string_view name) {
    NodeRef out;
    EXPECT_EQ(fs_->Lookup(ctx_, dir, name, &out), NtStatus::Success) << name;
    if (out.context) held_.push_back(out);
    return out;
  }

  NtStatus Write(NodeRef node, std::string_view data, uint64_t offset) {
    uint32_t written = 0;
    uint64_t at = 0;
    NtStatus s = fs_->Write(ctx_, node, nullptr, data.data(), static_cast<uint32_t>(data.size()),
                            offset, false, &written, &at);
    if (NtSuccess(s)) {
      EXPECT_EQ(written, data.size());
    }
    return s;
  }
  std::string Read(NodeRef node, uint64_t offset, uint32_t length) {
    std::string out(length, '\xee');
    uint32_t got = 0;
    EXPECT_EQ(fs_->Read(ctx_, node, nullptr, out.data(), length, offset, &got), NtStatus::Success);
    out.resize(got);
    return out;
  }
  FileStat Stat(NodeRef node) {
    FileStat st;
    EXPECT_EQ(fs_->GetFileInformation(ctx_, node, &st), NtStatus::Success);
    return st;
  }
  NtStatus Truncate(NodeRef node, uint64_t size) {
    FilePosixInfo info;
    info.valid = posix_valid::kSize;
    info.size = size;
    return fs_->SetFileInformation(ctx_, node, nullptr, info);
  }
  std::vector<std::string> Names(NodeRef dir) {
    CollectingFiller filler;
    EXPECT_EQ(fs_->FindFiles(ctx_, dir, nullptr, 0, filler), NtStatus::Success);
    std::vector<std::string> names;
    for (auto& e : filler.entries) names.push_back(e.name);
    return names;
  }

  void TearDown() override {
    for (NodeRef ref : held_) fs_->Forget(ref);
    held_.clear();
  }

  std::unique_ptr<MemFs> fs_;
  OperationContext ctx_;
  std::vector<NodeRef> held_;  // references to return in TearDown
};

}  // namespace irpfs::memfs::testing
