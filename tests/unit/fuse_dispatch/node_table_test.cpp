// NodeTable and HandleTable on their own, with bare FileObjects (never opened, so closing
// them sends no IRP).
#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "core/file_object.h"
#include "transport/fuse/dispatcher_handles.h"
#include "transport/fuse/node_table.h"

namespace irpfs::fuse {
namespace {

// A FileObject standing for one open of the file whose FCB is `fcb`.
FileObject* FakeOpen(void* fcb) {
  FileObject* fo = IoCreateFileObject(nullptr);
  fo->fsContext = fcb;
  ObOpenHandle(fo);
  ObDereferenceObject(fo);
  return fo;
}

void CloseAll(const std::vector<FileObject*>& fos) {
  for (FileObject* fo : fos) ObCloseHandle(fo);
}

int fcbA, fcbB, fcbRoot;

class NodeTableTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(table.SetRoot(FakeOpen(&fcbRoot), 1)); }
  void TearDown() override { CloseAll(table.Clear()); }
  NodeTable table;
};

TEST_F(NodeTableTest, RootIsNodeOneAndCannotBeForgotten) {
  EXPECT_TRUE(table.Contains(kRootNodeId));
  EXPECT_EQ(table.Forget(kRootNodeId, 100), nullptr);
  EXPECT_TRUE(table.Contains(kRootNodeId));
}

TEST_F(NodeTableTest, SecondRootIsRefused) {
  FileObject* another = FakeOpen(&fcbRoot);
  EXPECT_FALSE(table.SetRoot(another, 1));
  ObCloseHandle(another);
}

TEST_F(NodeTableTest, SameFileCountsLookupsOnOneNode) {
  RememberResult first = table.Remember(7, FakeOpen(&fcbA));
  EXPECT_TRUE(first.adopted);
  EXPECT_NE(first.entry.id, kRootNodeId);
  EXPECT_NE(first.entry.id.value, 0u);

  FileObject* again = FakeOpen(&fcbA);
  RememberResult second = table.Remember(7, again);
  EXPECT_FALSE(second.adopted);  // the caller still owns `again`
  ObCloseHandle(again);
  EXPECT_EQ(second.entry.id, first.entry.id);
  EXPECT_EQ(second.entry.generation, first.entry.generation);
  EXPECT_EQ(table.LookupCount(first.entry.id), 2u);

  EXPECT_EQ(table.Forget(first.entry.id, 1), nullptr);
  EXPECT_EQ(table.LookupCount(first.entry.id), 1u);
  FileObject* released = table.Forget(first.entry.id, 1);
  ASSERT_NE(released, nullptr);
  EXPECT_EQ(released->fsContext, &fcbA);
  ObCloseHandle(released);
  EXPECT_FALSE(table.Contains(first.entry.id));
  EXPECT_EQ(table.Reference(first.entry.id), nullptr);
}

TEST_F(NodeTableTest, ReusedSlotGetsANewGeneration) {
  RememberResult first = table.Remember(7, FakeOpen(&fcbA));
  ObCloseHandle(table.Forget(first.entry.id, 1));
  RememberResult second = table.Remember(8, FakeOpen(&fcbB));
  EXPECT_EQ(second.entry.id, first.entry.id);
  EXPECT_NE(second.entry.generation, first.entry.generation);
}

TEST_F(NodeTableTest, ReusedFileIdOfAnotherFcbIsANewNode) {
  RememberResult old = table.Remember(7, FakeOpen(&fcbA));
  RememberResult fresh = table.Remember(7, FakeOpen(&fcbB));
  EXPECT_TRUE(fresh.adopted);
  EXPECT_NE(fresh.entry.id, old.entry.id);
  // The fileId now means the newer file; the old node stays until forgotten.
  NodeEntry entry;
  ASSERT_TRUE(table.AddLookupByFileId(7, &entry));
  EXPECT_EQ(entry.id, fresh.entry.id);
  ObCloseHandle(table.Forget(old.entry.id, 1));
  ASSERT_TRUE(table.AddLookupByFileId(7, &entry));
  EXPECT_EQ(entry.id, fresh.entry.id);
  EXPECT_EQ(table.LookupCount(fresh.entry.id), 3u);
}

TEST_F(NodeTableTest, OpenVersionMatchesOnlyWhatThePreviousOpenSaw) {
  RememberResult node = table.Remember(7, FakeOpen(&fcbA));
  const FileVersion v1{{10, 1}, {10, 1}, 4096};
  FileVersion v2 = v1;
  v2.ctime.nsec = 2;  // a change that kept mtime and size (a chmod, a utimensat back)
  EXPECT_FALSE(table.SwapOpenVersion(node.entry.id, v1)) << "first open: nothing to match";
  EXPECT_TRUE(table.SwapOpenVersion(node.entry.id, v1));
  EXPECT_FALSE(table.SwapOpenVersion(node.entry.id, v2));
  EXPECT_TRUE(table.SwapOpenVersion(node.entry.id, v2));
  EXPECT_FALSE(table.SwapOpenVersion(NodeId{12345}, v2)) << "a dead id";
  // The next node in the slot starts without a version.
  ObCloseHandle(table.Forget(node.entry.id, 1));
  RememberResult reused = table.Remember(8, FakeOpen(&fcbB));
  ASSERT_EQ(reused.entry.id, node.entry.id);
  EXPECT_FALSE(table.SwapOpenVersion(reused.entry.id, v2));
}

TEST_F(NodeTableTest, ForgetOfUnknownIdsIsIgnored) {
  EXPECT_EQ(table.Forget(NodeId{0}, 1), nullptr);
  EXPECT_EQ(table.Forget(NodeId{12345}, 1), nullptr);
  EXPECT_EQ(table.LiveCount(), 1u);
}

TEST_F(NodeTableTest, ReferenceAddsAPointerReference) {
  RememberResult node = table.Remember(9, FakeOpen(&fcbA));
  FileObject* fo = table.Reference(node.entry.id);
  ASSERT_NE(fo, nullptr);
  EXPECT_EQ(fo->pointerCount.load(), 2);
  ObDereferenceObject(fo);
}

TEST_F(NodeTableTest, ClearReturnsEveryNode) {
  table.Remember(7, FakeOpen(&fcbA));
  table.Remember(8, FakeOpen(&fcbB));
  std::vector<FileObject*> all = table.Clear();
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(table.LiveCount(), 0u);
  CloseAll(all);
  ASSERT_TRUE(table.SetRoot(FakeOpen(&fcbRoot), 1));
}

TEST(HandleTableTest, HandlesAreTypedTokensThatGoStale) {
  HandleTable handles;
  FileObject* fo = FakeOpen(&fcbA);
  FileHandle fh = handles.Insert(fo, OpenInfo{O_APPEND, false, NodeId{5}});
  EXPECT_NE(fh.value, 0u);
  OpenInfo info;
  FileObject* referenced = handles.Reference(fh, &info);
  EXPECT_EQ(referenced, fo);
  EXPECT_EQ(info.openFlags, static_cast<uint32_t>(O_APPEND));
  EXPECT_EQ(info.node, NodeId{5});
  ObDereferenceObject(referenced);

  EXPECT_EQ(handles.Reference(FileHandle{fh.value + (1ull << 32)}), nullptr);  // generation
  EXPECT_EQ(handles.Reference(FileHandle{fh.value + 1}), nullptr);             // slot
  EXPECT_EQ(handles.Reference(FileHandle{0}), nullptr);

  EXPECT_EQ(handles.Remove(fh), fo);
  ObCloseHandle(fo);
  EXPECT_EQ(handles.Remove(fh), nullptr);
  EXPECT_EQ(handles.Reference(fh), nullptr);

  // The slot is reused under a new generation: the old fh stays stale.
  FileObject* next = FakeOpen(&fcbB);
  FileHandle fh2 = handles.Insert(next, OpenInfo{});
  EXPECT_NE(fh2, fh);
  EXPECT_EQ(handles.Reference(fh), nullptr);
  EXPECT_EQ(handles.OpenCount(), 1u);
  CloseAll(handles.Clear());
  EXPECT_EQ(handles.OpenCount(), 0u);
}

}  // namespace
}  // namespace irpfs::fuse
