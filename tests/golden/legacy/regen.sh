#!/usr/bin/env bash
# Regenerate the goldens in tests/golden/legacy/ with Go's own pprof (go tool pprof, Go 1.19).
#
#   <name>.raw            go tool pprof -raw on each file of pprof's profile/testdata
#                         (from golang-github-google-pprof-dev; the inputs are not copied)
#   fixtures/<name>.raw   the same for tests/fixtures/profiles/*.debug1.txt; when Go
#                         cannot parse one, its message as "error: <message>"
#   fixtures/SHA256SUMS   the fixture inputs the goldens were made from
#
# pprof runs in an empty directory with an empty PPROF_BINARY_PATH, so no binary named
# in a profile is ever found and nothing gets symbolized. Safe to run repeatedly.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
testdata=${PPROF_TESTDATA:-/usr/share/gocode/src/github.com/google/pprof/profile/testdata}
fixtures="$here/../../fixtures/profiles"

empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
export PPROF_BINARY_PATH="$empty" PPROF_TMPDIR="$empty"

echo "go: $(go version)"
raw() { (cd "$empty" && go tool pprof -raw "$1"); }

if [ -d "$testdata" ]; then
	rm -f "$here"/*.raw
	for f in "$testdata"/*; do
		case "$f" in *.string) continue ;; esac
		raw "$f" >"$here/$(basename "$f").raw" 2>/dev/null
	done
else
	echo "no $testdata; keeping the testdata goldens" >&2
fi

if compgen -G "$fixtures/*.debug1.txt" >/dev/null; then
	rm -rf "$here/fixtures"
	mkdir -p "$here/fixtures"
	for f in "$fixtures"/*.debug1.txt; do
		name=$(basename "$f")
		out="$here/fixtures/$name.raw"
		if ! raw "$f" >"$out" 2>"$empty/err"; then
			# pprof reports "<file>: parsing profile: <why>"; keep what follows the file name.
			msg=$(grep -m1 -F "$f: " "$empty/err" | sed "s|^$f: ||")
			printf 'error: %s\n' "$msg" >"$out"
		fi
		(cd "$fixtures" && sha256sum "$name") >>"$here/fixtures/SHA256SUMS"
	done
fi
