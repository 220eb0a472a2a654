#!/bin/sh
# Regenerate tests/goref/cases.tsv from Go (the committed table was made with go1.19 linux/amd64).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
GO111MODULE=off go run main.go > cases.tsv.new
mv cases.tsv.new cases.tsv
echo "wrote $here/cases.tsv ($(wc -l < cases.tsv) lines)"
