#!/usr/bin/env bash
# Regenerate tests/leakfixtures/profiles/ from the Go programs in src/ (stdlib only).
#
# As tests/fixtures/regen.sh: src/ is copied to /tmp/pprofsh-leakfixtures/src and
# built there, so the recorded paths are /tmp/pprofsh-leakfixtures/src/<prog>/main.go
# whatever the checkout. `patterns` writes patterns-{1,2,3}.{pb.gz,debug1.txt,debug2.txt}.
# `leakserver` is not run here: tests/test_leaks_watch.py builds and runs it live.
# Needs Go (made with go1.19.8 linux/amd64). Counts are deterministic; ids,
# addresses and time stamps are not.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=/tmp/pprofsh-leakfixtures
export GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=0

echo "go: $(go version)"
rm -rf "$work"
mkdir -p "$work/src" "$work/bin" "$work/out"
cp -R "$here/src/." "$work/src/"
cd "$work/src"
go vet ./...
go build -o "$work/bin/patterns" ./patterns
go build -o "$work/bin/leakserver" ./leakserver
go build -o "$work/bin/shapes" ./shapes
timeout 60 "$work/bin/patterns" -o "$work/out"
# one process per shape: <scenario>-<k>.{pb.gz,debug1.txt,debug2.txt}
for s in pool-late collectors pool-cap subscribers keepalive fluctuating \
	bursts beside-pool late-leak unclosed-body; do
	timeout 60 "$work/bin/shapes" -scenario "$s" -o "$work/out"
done
# snapshots a minute apart, for debug=2 wait minutes (takes two minutes)
timeout 200 "$work/bin/shapes" -scenario aging -o "$work/out"
for f in "$work/out"/*.pb.gz; do
	go tool pprof -top "$f" >/dev/null
done
rm -rf "$here/profiles"
mkdir -p "$here/profiles"
cp "$work/out"/* "$here/profiles/"
ls -l "$here/profiles"
