#!/usr/bin/env bash
# Regenerates pprofsh/profile/profile_pb2.py from proto/profile.proto.
# Uses protoc 3.21 (Debian bookworm's protobuf-compiler), whose output runs on
# every protobuf runtime from 4.21.12 (the floor in pyproject.toml) upward.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-pprofsh/profile}
protoc --proto_path=proto --python_out="$out" proto/profile.proto
