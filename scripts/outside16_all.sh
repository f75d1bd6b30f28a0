#!/bin/sh
# The whole outside check, one kind after another, into one file: outside16_all.sh WORLD OUT
world=$1; out=$2
here=$(dirname "$0")
for kind in "open 20" "cold 20" "send 30" "alt 20" "enter 100" "echo 40"; do
  /work/main/.venv/bin/python "$here/outside16.py" "$world" $kind >> "$out" || echo "{\"kind\": \"failed\", \"what\": \"$kind\"}" >> "$out"
done
