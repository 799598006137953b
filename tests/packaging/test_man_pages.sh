#!/bin/bash
# The man pages in packaging/man: (a) groff renders them without a warning,
# (b) every long option a program's --help prints appears in its page, and
# its .TH line names the program's --version.
# EGRESSWATCH and EGRESSWATCH_BRIDGE are the binaries. Exit 77 (skip) without groff.
set -u

here=$(cd "$(dirname "$0")" && pwd)
man_dir=${MAN_DIR:-$here/../../packaging/man}

if ! command -v groff >/dev/null 2>&1; then
  echo "SKIP: groff is not installed"
  exit 77
fi
: "${EGRESSWATCH:?set EGRESSWATCH to the egresswatch binary}"
: "${EGRESSWATCH_BRIDGE:?set EGRESSWATCH_BRIDGE to the egresswatch-bridge binary}"

failed=0
fail() {
  echo "FAIL: $*"
  failed=1
}

# check_page PAGE BINARY
check_page() {
  local page=$man_dir/$1 binary=$2
  if [ ! -f "$page" ]; then
    fail "$page: missing"
    return
  fi

  # (a) groff's warnings, all of them (-ww), at the usual 80 columns too
  # (man-db's check, which adds the width-dependent "cannot adjust line").
  local warnings
  warnings=$(groff -man -ww -z "$page" 2>&1)
  [ -z "$warnings" ] || fail "$1: groff -man -ww warns:"$'\n'"$warnings"
  if command -v man >/dev/null 2>&1; then
    warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$1: man --warnings warns:"$'\n'"$warnings"
  fi

  # (b) every long option of --help, as roff writes it (\- for each '-').
  local help options option escaped
  if ! help=$("$binary" --help); then
    fail "$binary --help failed"
    return
  fi
  options=$(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u)
  [ -n "$options" ] || fail "$binary --help lists no long option"
  for option in $options; do
    escaped=${option//-/\\-}
    grep -qF -- "$escaped" "$page" || grep -qF -- "$option" "$page" ||
      fail "$1: $option (from $(basename "$binary") --help) is not in the page"
  done

  # The version in the .TH line is the program's (--version: "NAME X.Y.Z").
  local version
  version=$("$binary" --version | awk '{print $NF}')
  grep -q "^\.TH .*\"egresswatch ${version//./\\.}\"" "$page" ||
    fail "$1: the .TH line does not name version $version ($(basename "$binary") --version)"
  echo "$1: $(wc -w <<<"$options") options from --help checked, version $version"
}

check_page egresswatch.8 "$EGRESSWATCH"
check_page egresswatch-bridge.8 "$EGRESSWATCH_BRIDGE"

if [ "$failed" -ne 0 ]; then exit 1; fi
echo "PASS"
