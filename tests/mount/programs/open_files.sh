#!/usr/bin/env bash
# Names versus open files: after a rename over an open file the descriptor still reads the
# old content; after unlink an open file can still be read and written until it is closed.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$work"

printf 'old content\n' >victim
printf 'new content\n' >replacement
exec 3<victim
mv -f replacement victim
expect_eq "$(cat <&3)" "old content" "open descriptor after rename over its file"
expect_eq "$(cat victim)" "new content" "name after rename"
exec 3<&-

printf 'still here\n' >doomed
exec 4<>doomed
rm doomed
[[ ! -e doomed ]] || fail "unlinked name still exists"
expect_eq "$(stat -L -c %h /proc/$$/fd/4)" "0" "link count of the unlinked open file"
expect_eq "$(cat <&4)" "still here" "read of the unlinked file"
printf 'appended\n' >&4  # the read left the shared offset at the end
expect_eq "$(stat -L -c %s /proc/$$/fd/4)" "20" "size after writing to the unlinked file"
# Opening /proc/PID/fd/N reaches the inode without a name: a new open of an unlinked file.
exec 5</proc/$$/fd/4
expect_eq "$(cat <&5)" "$(printf 'still here\nappended')" "content via a reopened descriptor"
exec 5<&- 4<&-
expect_eq "$(ls -A)" "victim" "directory after closing the unlinked file"

# Many open-unlinked files at once, each keeps its own data.
for i in 1 2 3 4 5; do printf 'data %d\n' "$i" >"multi$i"; done
exec 11<multi1 12<multi2 13<multi3 14<multi4 15<multi5
rm multi1 multi2 multi3 multi4 multi5
expect_eq "$(cat <&13)" "data 3" "third of several unlinked open files"
expect_eq "$(cat <&15)" "data 5" "fifth of several unlinked open files"
exec 11<&- 12<&- 13<&- 14<&- 15<&-
pass
