#!/usr/bin/env bash
# Record the scheduler traces in tests/leakfixtures/schedtrace/ from src/schedleak, a
# program with a goroutine leak and a thread leak: its stderr under
#   GODEBUG=schedtrace=100                 -> schedleak.txt        (a tick every 100ms)
#   GODEBUG=schedtrace=250,scheddetail=1   -> schedleak-detail.txt (with P, M and G lines)
# and the fixed program (-leak=false)     -> schedfixed-detail.txt (nothing only grows)
# As regen.sh, it builds in /tmp/pprofsh-leakfixtures. Needs Go (made with go1.19.8
# linux/amd64). Tick times, thread counts and run queues vary from run to run; that
# goroutines and threads only grow does not.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=/tmp/pprofsh-leakfixtures
export GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=0

echo "go: $(go version)"
mkdir -p "$work/bin"
rm -rf "$work/src"
cp -R "$here/src/." "$work/src/"
(cd "$work/src" && go build -o "$work/bin/schedleak" ./schedleak)
mkdir -p "$here/schedtrace"
GODEBUG=schedtrace=100 timeout 30 "$work/bin/schedleak" -for 1500ms \
	2>"$here/schedtrace/schedleak.txt"
GODEBUG=schedtrace=250,scheddetail=1 timeout 30 "$work/bin/schedleak" -for 1300ms \
	2>"$here/schedtrace/schedleak-detail.txt"
GODEBUG=schedtrace=250,scheddetail=1 timeout 30 "$work/bin/schedleak" -for 1300ms -leak=false \
	2>"$here/schedtrace/schedfixed-detail.txt"
wc -l "$here/schedtrace"/*.txt
