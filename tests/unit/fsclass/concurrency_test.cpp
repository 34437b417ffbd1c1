// Many threads dispatching at once: FCB sharing, create races, delete, enumeration and
// blocking locks. Meant for the TSan build; asserts the end state too.
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "fsclass_harness.h"

namespace irpfs::fsclass::testing {
namespace {

using D = CreateDisposition;

class ConcurrencyTest : public FsClassTest {};

TEST_F(ConcurrencyTest, OpenReadWriteCloseFromManyThreads) {
  Close(MakeFile("/shared", "0123456789"));
  MakeDir("/d");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        Opened f =
            Create({.name = "/shared", .access = access::kGenericRead | access::kGenericWrite});
        if (f.status != NtStatus::Success) {
          ++failures;
          continue;
        }
        std::string data;
        if (Read(f.fo, 0, 10, &data) != NtStatus::Success || data.size() != 10) ++failures;
        if (Write(f.fo, t, std::string(1, static_cast<char>('a' + t))) != NtStatus::Success) {
          ++failures;
        }
        Close(f.fo);
        // Creators race on one name: exactly one creates, the rest open it.
        std::string name = "/d/n" + std::to_string(i);
        Opened c = Create({.name = name,
                           .access = access::kGenericRead | access::kDelete,
                           .disposition = D::OpenIf});
        if (c.status != NtStatus::Success) ++failures;
        Close(c.fo);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fs_->Content("/shared").substr(0, 6), "abcdef");
  for (int i = 0; i < 40; ++i) EXPECT_TRUE(fs_->Exists("/d/n" + std::to_string(i)));
}

TEST_F(ConcurrencyTest, DeleteOnCloseRacesWithOpens) {
  std::atomic<int> unexpected{0};
  for (int round = 0; round < 20; ++round) {
    std::string name = "/r" + std::to_string(round);
    Close(MakeFile(name));
    std::thread deleter([&] {
      Opened d = Create(
          {.name = name, .access = access::kDelete, .options = create_option::kDeleteOnClose});
      Close(d.fo);
    });
    std::thread opener([&] {
      Opened o = Create({.name = name, .access = access::kReadAttributes});
      if (o.status != NtStatus::Success && o.status != NtStatus::DeletePending &&
          o.status != NtStatus::ObjectNameNotFound) {
        ++unexpected;
      }
      Close(o.fo);
    });
    deleter.join();
    opener.join();
    EXPECT_FALSE(fs_->Exists(name)) << name;
  }
  EXPECT_EQ(unexpected.load(), 0);
}

TEST_F(ConcurrencyTest, BlockingLocksSerializeIncrements) {
  Close(MakeFile("/counter", std::string(8, '\0')));
  constexpr int kThreads = 4, kRounds = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      FileObject* f =
          MustOpen({.name = "/counter", .access = access::kGenericRead | access::kGenericWrite});
      for (int i = 0; i < kRounds; ++i) {
        auto lock = [&](uint8_t minorFn) {
          return Send(f, IrpMajor::LockControl, minorFn, sl::kExclusiveLock,
                      [&](IoStackLocation* sl) {
                        sl->parameters.lockControl.byteOffset = 0;
                        sl->parameters.lockControl.length = 8;
                        sl->parameters.lockControl.owner = 100 + t;
                      });
        };
        if (lock(minor::kLock) != NtStatus::Success) ++failures;
        std::string data;
        Read(f, 0, 8, &data);
        uint64_t value;
        std::memcpy(&value, data.data(), 8);
        ++value;
        std::string out(8, '\0');
        std::memcpy(out.data(), &value, 8);
        Write(f, 0, out);
        if (lock(minor::kUnlockSingle) != NtStatus::Success) ++failures;
      }
      Close(f);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  uint64_t value;
  std::memcpy(&value, fs_->Content("/counter").data(), 8);
  EXPECT_EQ(value, static_cast<uint64_t>(kThreads * kRounds));
}

TEST_F(ConcurrencyTest, EnumerateWhileCreating) {
  MakeDir("/d");
  FileObject* dir = MustOpen({.name = "/d"});
  std::thread creator([&] {
    for (int i = 0; i < 50; ++i) Close(MakeFile("/d/f" + std::to_string(i)));
  });
  std::vector<std::byte> buffer(4096);
  for (int i = 0; i < 50; ++i) {
    NtStatus s = Send(
        dir, IrpMajor::DirectoryControl, minor::kQueryDirectory, sl::kRestartScan,
        [&](IoStackLocation* sl) {
          sl->parameters.queryDirectory.length = static_cast<uint32_t>(buffer.size());
          sl->parameters.queryDirectory.fileInformationClass =
              FileInformationClass::FileDirectoryInformation;
        },
        buffer.data());
    EXPECT_EQ(s, NtStatus::Success);
  }
  creator.join();
  Close(dir);
}

}  // namespace
}  // namespace irpfs::fsclass::testing
