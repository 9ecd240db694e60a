#!/usr/bin/env bash
# The man pages say what the programs do: every option of `dpf --help` is in dpf(8); every option,
# view (-s) and command of `dpfctl --help` is in dpfctl(8); every key the cluster file's schema
# takes (control/config/*schema.cpp) is in dpf.yaml(5); and dpf.yaml(5)'s example passes
# `dpf --check`. A help text, a schema and a page that drift apart fail here.
# usage: man_sync.sh DPF DPFCTL SOURCE_DIR
set -euo pipefail
DPF=$1
DPFCTL=$2
SRC=$3
MAN=$SRC/doc/man
command -v mandoc >/dev/null || { echo "man_sync: mandoc is not installed (scripts/setup installs it)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/dpf-man-sync.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
errors=0
missing() {
  echo "man_sync: $1" >&2
  errors=$((errors + 1))
}

# The page as its reader sees it, without formatting.
render() { mandoc -T ascii "$1" | col -b; }

# The options of a help text: --long and -x, with combined letters (-nv) taken one by one.
options_of() {
  grep -oE '(^|[][ |(,])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[][ |(,]//' | sort -u |
    while read -r opt; do
      if [[ "$opt" == --* ]]; then
        echo "$opt"
      else
        for ((k = 1; k < ${#opt}; k++)); do echo "-${opt:k:1}"; done
      fi
    done | sort -u
}

# has TEXT_FILE WORD: WORD stands alone in the text (not inside a longer option or name).
has() { grep -qE -- "(^|[^A-Za-z0-9_-])$(printf '%s' "$2" | sed 's/[.]/\\./g')([^A-Za-z0-9_-]|$)" "$1"; }

check_options() {
  local prog=$1 help=$2 page=$3 n=0
  render "$page" >"$TMP/$prog.txt"
  while read -r opt; do
    n=$((n + 1))
    has "$TMP/$prog.txt" "$opt" || missing "$prog --help has $opt, $(basename "$page") does not"
  done < <(options_of <"$help")
  [ "$n" -ge 3 ] || missing "found only $n options in $prog --help: is the help text read right?"
  echo "man_sync: $prog: $n options of --help checked against $(basename "$page")"
}

"$DPF" --help >"$TMP/dpf.help"
"$DPFCTL" --help >"$TMP/dpfctl.help"
check_options dpf "$TMP/dpf.help" "$MAN/dpf.8"
check_options dpfctl "$TMP/dpfctl.help" "$MAN/dpfctl.8"

# dpfctl's views: the words of the help's `-s a|b|c` line, each an item of dpfctl(8).
views=$(grep -oE '^ *-s [a-zA-Z|]+' "$TMP/dpfctl.help" | sed -E 's/^ *-s //' | tr '|' '\n')
[ "$(echo "$views" | wc -l)" -ge 5 ] || missing "dpfctl --help lists no -s views"
for v in $views; do
  grep -qE "^\.It Cm $v( |$)" "$MAN/dpfctl.8" || missing "dpfctl --help has -s $v, dpfctl.8 has no item for it"
done
# Commands: lines of the usage that start with a word, such as `carp demote N`.
while read -r cmd; do
  grep -qF "$cmd" "$TMP/dpfctl.txt" || missing "dpfctl --help has the command '$cmd', dpfctl.8 does not"
done < <(grep -oE '^ +[a-z]+ [a-z]+ [A-Z]+' "$TMP/dpfctl.help" | sed -E 's/^ +//')
echo "man_sync: dpfctl: $(echo "$views" | wc -l) views checked"

# Every key the schema reads: the names in the known-key lists of MapReader.
keys=$(cat "$SRC"/control/config/*schema.cpp | tr '\n' ' ' |
  grep -oE 'MapReader [a-z]+\(diag, [^,]+, \{[^}]*\}' | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 20 ] || missing "found only $(echo "$keys" | wc -w) schema keys: is the schema read right?"
for k in $keys; do
  grep -qE "^\.It Ic $k( |$)" "$MAN/dpf.yaml.5" || missing "the cluster file takes '$k', dpf.yaml.5 has no item for it"
done
echo "man_sync: dpf.yaml: $(echo "$keys" | wc -w) schema keys checked"

# dpf.yaml(5)'s example, as written in the page, is a valid cluster file.
awk '/^\.Sh EXAMPLES/ {ex = 1} ex && /^\.Bd -literal/ {on = 1; next} on && /^\.Ed/ {exit} on' \
  "$MAN/dpf.yaml.5" >"$TMP/example.yaml"
grep -q '^nodes:' "$TMP/example.yaml" || missing "no cluster file example in dpf.yaml.5"
rules=$(sed -nE 's/^ *rules: *([^ ]+) *$/\1/p' "$TMP/example.yaml")
[ -z "$rules" ] || echo "pass all" >"$TMP/$rules"
if out=$("$DPF" -- -c "$TMP/example.yaml" --check 2>&1); then
  echo "man_sync: dpf.yaml.5's example: $out"
else
  echo "$out" >&2
  missing "dpf.yaml.5's example does not pass dpf --check"
fi

[ "$errors" = 0 ] || { echo "man_sync: $errors problem(s)" >&2; exit 1; }
