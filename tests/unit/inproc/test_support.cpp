#include "test_support.h"

#include <sys/stat.h>

#include <vector>

namespace irpfs::inproc::testing {
namespace {

using fsclass::NodeRef;
using fsclass::OperationContext;

struct Entry {
  std::string name;
  FileStat stat;
};

class Collector final : public fsclass::DirectoryFiller {
 public:
  bool Add(std::string_view name, uint64_t, const FileStat& stat) override {
    entries.push_back({std::string(name), stat});
    return true;
  }
  std::vector<Entry> entries;
};

void Walk(memfs::MemFs& fs, const OperationContext& ctx, NodeRef dir, const std::string& path,
          VolumeContent* out) {
  Collector collector;
  EXPECT_EQ(fs.FindFiles(ctx, dir, nullptr, 0, collector), NtStatus::Success);
  for (const Entry& entry : collector.entries) {
    std::string child = path + "/" + entry.name;
    NodeRef node;
    ASSERT_EQ(fs.Lookup(ctx, dir, entry.name, &node), NtStatus::Success) << child;
    if (S_ISDIR(entry.stat.mode)) {
      (*out)[child] = "dir";
      Walk(fs, ctx, node, child, out);
    } else {
      std::string data(entry.stat.size, '\0');
      uint32_t read = 0;
      EXPECT_EQ(
          fs.Read(ctx, node, nullptr, data.data(), static_cast<uint32_t>(data.size()), 0, &read),
          NtStatus::Success);
      data.resize(read);
      (*out)[child] = "file:" + data;
    }
    fs.Forget(node);
  }
}

}  // namespace

NtStatus MemfsDriverEntry(DriverObject* driver, std::string_view parameters) {
  return fsclass::FsClassDriverEntry(driver, parameters);
}

fsclass::VolumeOptions MemfsTest::Options() const {
  fsclass::VolumeOptions options;
  options.name = "memfs0";
  return options;
}

void MemfsTest::SetUp() {
  fs_ = std::make_shared<memfs::MemFs>();
  Volume::Options options;
  options.driverName = "memfs";
  options.driverEntry = MemfsDriverEntry;
  std::shared_ptr<memfs::MemFs> fs = fs_;
  fsclass::VolumeOptions volumeOptions = Options();
  options.createVolume = [fs, volumeOptions](DriverObject* driver, DeviceObject** device) {
    return fsclass::FsCreateVolume(driver, fs, volumeOptions, device);
  };
  options.deleteVolume = fsclass::FsDeleteVolume;
  ASSERT_EQ(Volume::Mount(std::move(options), &volume_), NtStatus::Success);
  client_ = std::make_unique<Client>(volume_->device());
}

void MemfsTest::TearDown() {
  client_.reset();
  volume_.reset();
}

VolumeContent MemfsTest::Content() const {
  VolumeContent content;
  OperationContext ctx;
  Walk(*fs_, ctx, fs_->Root(), "", &content);
  return content;
}

bool MemfsTest::Exists(std::string_view path) const {
  return Content().count(std::string(path)) != 0;
}

void MemfsTest::MakeFile(std::string_view path, std::string_view data) {
  Handle h = client_->CreateFile(path, access::kGenericWrite, share::kAll, CREATE_ALWAYS, 0);
  ASSERT_NE(h, kInvalidHandleValue) << path << ": " << GetLastError();
  uint32_t written = 0;
  ASSERT_TRUE(client_->WriteFile(h, data.data(), static_cast<uint32_t>(data.size()), &written));
  ASSERT_EQ(written, data.size());
  ASSERT_TRUE(client_->CloseHandle(h));
}

std::string MemfsTest::ReadAll(std::string_view path) {
  Handle h = client_->CreateFile(path, access::kGenericRead, share::kAll, OPEN_EXISTING, 0);
  if (h == kInvalidHandleValue) {
    ADD_FAILURE() << "cannot open " << path << ": " << GetLastError();
    return {};
  }
  std::string out;
  char buffer[4096];
  for (;;) {
    uint32_t read = 0;
    if (!client_->ReadFile(h, buffer, sizeof(buffer), &read)) {
      ADD_FAILURE() << "read " << path << ": " << GetLastError();
      break;
    }
    if (read == 0) break;
    out.append(buffer, read);
  }
  client_->CloseHandle(h);
  return out;
}

}  // namespace irpfs::inproc::testing
