#!/usr/bin/env bash
# bench/compare.sh — two tollgate binaries on one corpus, in alternation.
#
# Usage: bench/compare.sh OLD_BINARY NEW_BINARY CORPUS [RUNS]
# Runs `BINARY build CORPUS --output DIR --quiet` RUNS times each (default 5), alternating
# old, new, old, new, ..., every build into a new folder under $BENCH_DIR (default
# /tmp/tollgate-compare), with `sync` before each run (see bench/README.md, "Noise").
# Prints each run's wall, user and system seconds and peak RSS (GNU time), then the
# medians and the ratio new/old. CORPUS needs a site.yml (bench/build.sh writes one into its corpora).
# Premium chapters are sealed with a throwaway key unless TOLLGATE_MASTER_KEY is set.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 2; }
OLD=$1 NEW=$2 CORPUS=$3 RUNS=${4:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/tollgate-compare}
TIME=/usr/bin/time
for binary in "$OLD" "$NEW"; do [ -x "$binary" ] || { echo "compare.sh: $binary is not an executable" >&2; exit 1; }; done
[ -f "$CORPUS/site.yml" ] || { echo "compare.sh: no site.yml in $CORPUS" >&2; exit 1; }
TOLLGATE_MASTER_KEY=${TOLLGATE_MASTER_KEY:-$(head -c 32 /dev/urandom | base64)}
export TOLLGATE_MASTER_KEY
SESSION=$BENCH_DIR/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$SESSION"
trap 'rm -rf "$SESSION"' EXIT
echo "both sides do the same work: \`BINARY build $CORPUS\` (premium chapters sealed with one key), into a new folder each run"
echo "old: $OLD"
echo "new: $NEW"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at start"
for i in $(seq 1 "$RUNS"); do
    for tag in old new; do
        binary=$OLD; [ "$tag" = new ] && binary=$NEW
        sync
        "$TIME" -f '%e %U %S %M' -o "$SESSION/$tag-$i.time" "$binary" build "$CORPUS" --output "$SESSION/$tag-$i" --quiet
        tail -n 1 "$SESSION/$tag-$i.time" >> "$SESSION/$tag"
        printf '  run %d %-3s %s (wall s, user s, sys s, peak RSS KiB)\n' "$i" "$tag" "$(tail -n 1 "$SESSION/$tag-$i.time")"
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at end"
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for column in 1 2 4; do
    name=wall; [ "$column" = 2 ] && name="user CPU"; [ "$column" = 4 ] && name="peak RSS (KiB)"
    old=$(cut -d' ' -f"$column" < "$SESSION/old" | median)
    new=$(cut -d' ' -f"$column" < "$SESSION/new" | median)
    echo "median $name: old $old, new $new, new/old $(awk -v a="$new" -v b="$old" 'BEGIN { printf "%.3f", a / b }')"
done
