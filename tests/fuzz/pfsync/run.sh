#!/usr/bin/env bash
# Runs the already built pfsync frame fuzzer over the committed seed corpus for a bounded time.
# Builds nothing. New inputs go to a temporary directory (the committed corpus is only read);
# a crash is written next to this folder as tests/fuzz/crash-* and makes the script fail.
#   usage: tests/fuzz/pfsync/run.sh FUZZER_BINARY [SECONDS]   (default 30 s)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fuzzer="${1:?usage: $0 FUZZER_BINARY [SECONDS]}"
seconds="${2:-30}"
corpus="$here/corpus/pfsync_frame_fuzz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$fuzzer" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$here/../" "$work" "$corpus"
