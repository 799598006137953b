#!/usr/bin/env bash
# tests/stage.sh NAME COMMAND...: one stage of `make test`, and what it cost,
# so that the README's table of stage costs comes from a run anyone can redo.
name=$1
shift
start=$(date +%s)
"$@"
rc=$?
echo "[make test] stage '$name': $(($(date +%s) - start)) s$([ "$rc" = 0 ] || echo ", FAILED ($rc)")"
exit "$rc"
