#!/usr/bin/env bash
# The man pages are valid mdoc(7): `mandoc -T lint -W warning` finds nothing on any of them.
# usage: man_lint.sh MAN_DIR
set -euo pipefail
dir=$1
command -v mandoc >/dev/null || { echo "man_lint: mandoc is not installed (scripts/setup installs it)" >&2; exit 1; }
pages=("$dir"/*.[1-9])
[ -e "${pages[0]}" ] || { echo "man_lint: no man pages in $dir" >&2; exit 1; }
rc=0
for page in "${pages[@]}"; do
  if out=$(mandoc -T lint -W warning "$page" 2>&1); then
    echo "man_lint: $(basename "$page"): OK"
  else
    echo "$out" >&2
    echo "man_lint: $(basename "$page"): FAIL" >&2
    rc=1
  fi
done
exit $rc
