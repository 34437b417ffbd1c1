// Many threads on one volume: run under TSan to check the locking.
#include <atomic>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "memfs_fixture.h"

namespace irpfs::memfs::testing {
namespace {

using ConcurrencyTest = MemfsTest;

constexpr int kThreads = 4;

TEST_F(ConcurrencyTest, WritersOnDifferentFiles) {
  std::vector<NodeRef> files;
  for (int t = 0; t < kThreads; ++t) files.push_back(MakeFile(root(), "f" + std::to_string(t)));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      std::string block(1000, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i) {
        uint32_t written;
        uint64_t at;
        ASSERT_EQ(fs_->Write(ctx, files[t], nullptr, block.data(), 1000, i * 1000ull, false,
                             &written, &at),
                  NtStatus::Success);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Stat(files[t]).size, 200000u);
    EXPECT_EQ(Read(files[t], 123456, 10), std::string(10, static_cast<char>('a' + t)));
  }
}

TEST_F(ConcurrencyTest, WritersAndReadersOnTheSameFile) {
  NodeRef file = MakeFile(root(), "shared");
  constexpr uint32_t kBlock = 4096;
  constexpr int kBlocks = 64;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  // Writers fill whole blocks with one byte value each; a reader must never see a block
  // that mixes two writes (a torn write).
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      std::string block(kBlock, '\0');
      for (int i = 0; i < 400; ++i) {
        std::fill(block.begin(), block.end(), static_cast<char>(1 + t * 100 + i % 100));
        uint32_t written;
        uint64_t at;
        ASSERT_EQ(fs_->Write(ctx, file, nullptr, block.data(), kBlock,
                             (i % kBlocks) * uint64_t{kBlock}, false, &written, &at),
                  NtStatus::Success);
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      OperationContext ctx;
      std::string block(kBlock, '\0');
      while (!stop.load()) {
        for (int b = 0; b < kBlocks; ++b) {
          uint32_t got;
          ASSERT_EQ(fs_->Read(ctx, file, nullptr, block.data(), kBlock, b * uint64_t{kBlock}, &got),
                    NtStatus::Success);
          if (got == kBlock) {
            ASSERT_EQ(block.find_first_not_of(block[0]), std::string::npos) << "torn block";
          }
        }
        FileStat st;
        fs_->GetFileInformation(ctx, file, &st);
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop = true;
  threads[2].join();
  threads[3].join();
  EXPECT_EQ(Stat(file).size, kBlocks * uint64_t{kBlock});
}

TEST_F(ConcurrencyTest, AppendsFromManyThreadsDoNotOverlap) {
  NodeRef file = MakeFile(root(), "log");
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      std::string record(100, static_cast<char>('A' + t));
      for (int i = 0; i < 100; ++i) {
        uint32_t written;
        uint64_t at;
        ASSERT_EQ(fs_->Write(ctx, file, nullptr, record.data(), 100, 0, true, &written, &at),
                  NtStatus::Success);
        ASSERT_EQ(at % 100, 0u);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string all = Read(file, 0, kThreads * 100 * 100);
  ASSERT_EQ(all.size(), kThreads * 100u * 100u);
  int counts[kThreads] = {};
  for (size_t r = 0; r < all.size(); r += 100) {
    std::string_view record(all.data() + r, 100);
    ASSERT_EQ(record.find_first_not_of(record[0]), std::string_view::npos);
    ++counts[record[0] - 'A'];
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(counts[t], 100);
}

TEST_F(ConcurrencyTest, NamespaceChurnAcrossDirectories) {
  // Creates, renames (within and across directories, files and directories), links and
  // removes race each other; afterwards the tree must be consistent and all space back.
  NodeRef dirs[3] = {MakeDir(root(), "d0"), MakeDir(root(), "d1"), MakeDir(root(), "d2")};
  uint64_t inodesBefore = fs_->capacity().usedInodes();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      fsclass::NewNodeSpec file;
      file.mode = S_IFREG | 0600;
      fsclass::NewNodeSpec dir;
      dir.mode = S_IFDIR | 0700;
      for (int i = 0; i < 300; ++i) {
        NodeRef from = dirs[(t + i) % 3];
        NodeRef to = dirs[(t + i + 1) % 3];
        std::string name = "n" + std::to_string(i % 7);
        NodeRef out;
        if (NtSuccess(fs_->Create(ctx, from, name, i % 2 ? file : dir, &out))) {
          if (i % 5 == 0) fs_->Link(ctx, out, to, name + "l");
          fs_->Forget(out);
        }
        fs_->Move(ctx, from, name, to, name, i % 3 == 0 ? rename_flag::kReplaceIfExists : 0);
        fs_->Move(ctx, to, name, from, "n" + std::to_string((i + 1) % 7), rename_flag::kExchange);
        fs_->Move(ctx, to, name, from, name, rename_flag::kReplaceIfExists);
        fs_->Remove(ctx, to, name + "l");
        fs_->Remove(ctx, from, "n" + std::to_string((i + 3) % 7));
      }
    });
  }
  for (auto& th : threads) th.join();
  // Empty the directories and check every inode came back.
  for (NodeRef d : dirs) {
    CollectingFiller filler;
    ASSERT_EQ(fs_->FindFiles(ctx_, d, nullptr, 0, filler), NtStatus::Success);
    for (auto& e : filler.entries) {
      ASSERT_EQ(fs_->Remove(ctx_, d, e.name), NtStatus::Success) << e.name;
    }
    EXPECT_EQ(Stat(d).nlink, 2u);
  }
  EXPECT_EQ(fs_->capacity().usedInodes(), inodesBefore);
  EXPECT_EQ(Stat(root()).nlink, 5u);
}

TEST_F(ConcurrencyTest, NestedDirectoryRenamesNeitherDeadlockNorMakeCycles) {
  // Directories with unique names move into each other (often into their own subtrees,
  // which must fail), replace each other and disappear, from several threads at once.
  constexpr int kDirs = 12;
  std::vector<NodeRef> dirs;
  for (int i = 0; i < kDirs; ++i) dirs.push_back(MakeDir(root(), "d" + std::to_string(i)));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      OperationContext ctx;
      std::mt19937 random(t);
      fsclass::NewNodeSpec dirSpec;
      dirSpec.mode = S_IFDIR | 0700;
      for (int i = 0; i < 400; ++i) {
        int x = random() % kDirs;
        int y = random() % kDirs;
        std::string name = "d" + std::to_string(x);
        NodeRef parent;
        if (!NtSuccess(fs_->Lookup(ctx, dirs[x], "..", &parent))) {
          // Removed: bring it back (as a new directory) somewhere.
          NodeRef made;
          if (NtSuccess(fs_->Create(ctx, dirs[y], name, dirSpec, &made))) fs_->Forget(made);
          continue;
        }
        // Removals are rare: a removed directory stays gone (its slot keeps the old node).
        switch (random() % 16) {
          default:
            fs_->Move(ctx, parent, name, dirs[y], name, 0);
            break;
          case 1:
            fs_->Move(ctx, parent, name, dirs[y], "d" + std::to_string(random() % kDirs),
                      rename_flag::kReplaceIfExists);
            break;
          case 2:
            fs_->Move(ctx, parent, name, dirs[y], "d" + std::to_string(random() % kDirs),
                      rename_flag::kExchange);
            break;
          case 3:
            fs_->Remove(ctx, parent, name);
            break;
        }
        fs_->Forget(parent);
      }
    });
  }
  for (auto& th : threads) th.join();

  // The tree is still a tree: every directory reached once, ".." and nlink consistent.
  int reached = 0;
  std::function<void(NodeRef)> check = [&](NodeRef dir) {
    ASSERT_LT(++reached, 10 * kDirs) << "cycle";
    CollectingFiller filler;
    ASSERT_EQ(fs_->FindFiles(ctx_, dir, nullptr, 0, filler), NtStatus::Success);
    uint32_t subdirs = 0;
    for (auto& e : filler.entries) {
      if (!S_ISDIR(e.stat.mode)) continue;
      ++subdirs;
      NodeRef child = Lookup(dir, e.name);
      EXPECT_EQ(Lookup(child, "..").fileId, dir.fileId);
      check(child);
    }
    EXPECT_EQ(Stat(dir).nlink, 2 + subdirs);
  };
  check(root());
  TearDown();  // drop every reference this test holds
  EXPECT_EQ(fs_->capacity().usedInodes(), static_cast<uint64_t>(reached));
}

}  // namespace
}  // namespace irpfs::memfs::testing
