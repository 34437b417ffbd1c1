#!/usr/bin/env bash
# git inside the mount: init, add, commit, status, a second commit, gc (packing: renames,
# mmap, fsync), fsck, and a clone within the mount.
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
need git

export HOME="$scratch" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' \
  GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
g() { git -c user.name=irpfs-test -c user.email=test@irpfs.invalid -c init.defaultBranch=main "$@"; }

cd "$work"
g init -q repo
cd repo
mkdir -p src/sub
for i in $(seq 1 50); do printf 'line %d\n' $(seq 1 "$i") >"src/sub/file$i.txt"; done
printf '#!/bin/sh\necho hi\n' >run.sh
chmod +x run.sh
ln -s src/sub/file1.txt link
g add -A
g commit -q -m "first"
expect_eq "$(g status --porcelain)" "" "status after the first commit"

echo changed >>src/sub/file7.txt
rm src/sub/file9.txt
expect_eq "$(g status --porcelain | LC_ALL=C sort | tr '\n' ' ')" \
  " D src/sub/file9.txt  M src/sub/file7.txt " "status after changes"
g commit -q -a -m "second"
expect_eq "$(g rev-list --count HEAD)" "2" "commit count"
expect_eq "$(g status --porcelain)" "" "status after the second commit"

g gc -q --aggressive
g fsck --full --strict >/dev/null 2>&1 || fail "git fsck after gc"
expect_eq "$(g ls-files | wc -l)" "51" "files tracked"
expect_eq "$(g show HEAD:src/sub/file7.txt | tail -1)" "changed" "content from the packed object"
expect_eq "$(git ls-files -s run.sh | cut -c1-6)" "100755" "executable bit recorded"
expect_eq "$(git ls-files -s link | cut -c1-6)" "120000" "symlink recorded"

cd "$work"
g clone -q repo clone
expect_eq "$(g -C clone rev-parse HEAD)" "$(g -C repo rev-parse HEAD)" "clone HEAD"
diff -r -x .git repo clone || fail "clone work tree differs"
g -C clone status --porcelain | grep -q . && fail "clone not clean"
pass
