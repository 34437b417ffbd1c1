// One synchronous handle used by several threads at once: ReadFile and WriteFile without an
// offset take turns on the file position (NT's file object lock), so no two land at the
// same place, and a query or move of the position never sees one halfway. Run under TSan
// too, which also reports an unserialized access to the position.
#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace irpfs::inproc::testing {
namespace {

constexpr uint32_t kRw = access::kGenericRead | access::kGenericWrite;
constexpr int kThreads = 2;
constexpr int kRecordsPerThread = 300;
constexpr uint32_t kRecordSize = 8;

// "T1-00042" and the like: which thread wrote it and its count, kRecordSize bytes.
std::string Record(int thread, int index) {
  char buffer[kRecordSize + 1];
  std::snprintf(buffer, sizeof buffer, "T%d-%05d", thread, index);
  return std::string(buffer, kRecordSize);
}

class SharedPositionTest : public MemfsTest {
 protected:
  Handle Open(std::string_view path, uint32_t disposition) {
    Handle h = client_->CreateFile(path, kRw, share::kAll, disposition, 0);
    EXPECT_NE(h, kInvalidHandleValue);
    return h;
  }

  // How often each record occurs in `data`, read record by record.
  static std::map<std::string, int> CountRecords(const std::string& data) {
    std::map<std::string, int> counts;
    for (size_t at = 0; at + kRecordSize <= data.size(); at += kRecordSize) {
      ++counts[data.substr(at, kRecordSize)];
    }
    return counts;
  }
};

TEST_F(SharedPositionTest, WritesFromTwoThreadsNeverLandOnEachOther) {
  Handle h = Open("/log", CREATE_ALWAYS);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kRecordsPerThread; ++i) {
        std::string record = Record(t, i);
        uint32_t written = 0;
        if (!client_->WriteFile(h, record.data(), kRecordSize, &written) ||
            written != kRecordSize) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(client_->CloseHandle(h));

  std::string data = ReadAll("/log");
  ASSERT_EQ(data.size(), size_t{kThreads} * kRecordsPerThread * kRecordSize)
      << "writes landed on each other";
  std::map<std::string, int> counts = CountRecords(data);
  EXPECT_EQ(counts.size(), size_t{kThreads} * kRecordsPerThread);
  for (const auto& [record, count] : counts) EXPECT_EQ(count, 1) << record;
}

TEST_F(SharedPositionTest, ReadsFromTwoThreadsShareTheFileOut) {
  std::string content;
  for (int i = 0; i < kThreads * kRecordsPerThread; ++i) content += Record(0, i);
  MakeFile("/data", content);
  Handle h = Open("/data", OPEN_EXISTING);
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> readers;
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&, t] {
      char buffer[kRecordSize];
      uint32_t n = 0;
      while (client_->ReadFile(h, buffer, kRecordSize, &n) && n > 0) got[t].append(buffer, n);
    });
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_TRUE(client_->CloseHandle(h));

  // Every record went to exactly one reader, whole: no read repeated a position.
  std::map<std::string, int> counts;
  for (const std::string& part : got) {
    ASSERT_EQ(part.size() % kRecordSize, 0u);
    for (const auto& [record, count] : CountRecords(part)) counts[record] += count;
  }
  EXPECT_EQ(counts, CountRecords(content));
}

TEST_F(SharedPositionTest, PositionQueriesAndMovesTakeTurnsWithWrites) {
  Handle h = Open("/moving", CREATE_ALWAYS);
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (int i = 0; i < kRecordsPerThread; ++i) {
      std::string record = Record(0, i);
      uint32_t written = 0;
      if (!client_->WriteFile(h, record.data(), kRecordSize, &written)) ++failures;
    }
    writing = false;
  });
  // The position only ever stands between two records and never goes back; a move by
  // nothing (a read and a write of the position) loses none of the writer's moves.
  uint64_t last = 0;
  int torn = 0;
  while (writing.load()) {
    FilePositionInfo position;
    if (!client_->GetFileInformationByHandleEx(h, FileInformationClass::FilePositionInformation,
                                               &position, sizeof position)) {
      ++failures;
      break;
    }
    uint64_t moved = 0;
    if (!client_->SetFilePointerEx(h, 0, &moved, FILE_CURRENT)) ++failures;
    if (position.currentByteOffset % kRecordSize != 0 || position.currentByteOffset < last ||
        moved < position.currentByteOffset) {
      ++torn;
    }
    last = moved;
  }
  writer.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(torn, 0);
  EXPECT_TRUE(client_->CloseHandle(h));
  EXPECT_EQ(ReadAll("/moving").size(), size_t{kRecordsPerThread} * kRecordSize);
}

}  // namespace
}  // namespace irpfs::inproc::testing
