#!/usr/bin/env bash
# bench/build.sh — build benchmark of Tollgate against Hugo, with a cmark-gfm floor.
#
# What it measures, for each corpus size (default 1,000 and 10,000 chapters):
#   * the synthetic course corpus of ../shared/bench/gen_corpus.py (override with
#     GEN_CORPUS), with a site.yml declaring its tiers basic < pro < team and the Hugo
#     config of --hugo-site, so both generators build the very same Markdown;
#   * `tollgate build CORPUS --output DIR --quiet` with a release build of the
#     `tollgate` product (built into .build-bench/, never .build/), and
#     `hugo -s CORPUS -d DIR --quiet` with Debian's hugo, run in alternation
#     (tollgate, hugo, tollgate, hugo, ...) in one session, RUNS times each;
#   * every build writes into a brand-new output folder under BENCH_DIR: creating
#     files right after an `rm -rf` is several times slower on these machines, so
#     nothing is deleted until the very end;
#   * wall time (s) and peak RSS (KiB) from GNU time, `/usr/bin/time -f '%e %M'`;
#     the table shows medians and the ratio Tollgate/Hugo;
#   * the floor: the cmark-gfm CLI rendering all chapter bodies (one file from
#     gen_corpus.py --concat) with the GFM extensions Tollgate enables;
#   * finally one untimed, non-quiet Tollgate build of the largest corpus, whose
#     per-step progress lines show where the time goes.
# Targets (10,000 chapters): Tollgate/Hugo wall-time ratio <= 0.5, peak RSS <= 250 MiB.
# PASS/FAIL is informational: the exit status is 0 unless a tool crashed or failed.
#
# Usage: bench/build.sh [--sizes "1000 10000"]
# Environment:
#   RUNS=N           runs per tool and size (default 5 for sizes <= 1000, else 3)
#   BENCH_DIR=DIR    work folder: corpora and outputs (default /tmp/tollgate-bench)
#   GEN_CORPUS=FILE  corpus generator (default <repo>/../shared/bench/gen_corpus.py)
#   TOLLGATE_BIN=F   use this tollgate binary instead of building a release one
#   KEEP_OUTPUTS=1   keep this session's output folders
#   BUILD_TIMEOUT=S  upper bound per build in seconds (default 900)
# Needs: swift, python3, hugo, cmark-gfm, GNU time (Debian packages hugo, cmark-gfm,
# time; installed with apt-get when missing and running as root). No network is used
# apart from that install and swift's first dependency resolution on a clean clone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES="1000 10000"
BENCH_DIR=${BENCH_DIR:-/tmp/tollgate-bench}
GEN_CORPUS=${GEN_CORPUS:-$ROOT/../shared/bench/gen_corpus.py}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-900}
TIME=/usr/bin/time
TARGET_RATIO=0.5
TARGET_RSS_MIB=250

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "build.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --sizes) [ $# -ge 2 ] || die "--sizes needs a value, e.g. --sizes \"1000 10000\""; SIZES=$2; shift 2 ;;
        --sizes=*) SIZES=${1#--sizes=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done
for n in $SIZES; do
    case $n in ''|*[!0-9]*|0) die "--sizes takes positive integers, got '$n'" ;; esac
done
[ -n "${SIZES// /}" ] || die "--sizes is empty"
if [ -n "${RUNS:-}" ]; then
    case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer, got '$RUNS'" ;; esac
fi

# ---------------------------------------------------------------- dependencies
missing=()
command -v hugo >/dev/null 2>&1 || missing+=(hugo)
command -v cmark-gfm >/dev/null 2>&1 || missing+=(cmark-gfm)
{ [ -x "$TIME" ] && "$TIME" --version 2>&1 | grep -q GNU; } || missing+=(time)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
install_missing "${missing[@]+"${missing[@]}"}"
command -v python3 >/dev/null 2>&1 || die "python3 is required to generate the corpus"
[ -f "$GEN_CORPUS" ] || die "corpus generator not found at $GEN_CORPUS (set GEN_CORPUS)"
GEN_CORPUS=$(cd "$(dirname "$GEN_CORPUS")" && pwd)/$(basename "$GEN_CORPUS")

# ---------------------------------------------------------------- work folders
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
SESSION=$(date +%Y%m%d-%H%M%S)-$$
OUT_ROOT=$BENCH_DIR/runs/$SESSION
TRASH=$BENCH_DIR/trash/$SESSION
mkdir -p "$OUT_ROOT" "$TRASH"
# Old outputs and stale corpora are moved aside now (a rename is cheap) and deleted
# only when the session ends, so no build runs right after a large deletion.
for old in "$BENCH_DIR"/runs/*; do
    [ "$old" = "$OUT_ROOT" ] || [ ! -e "$old" ] || mv "$old" "$TRASH/"
done
for old in "$BENCH_DIR"/trash/*; do
    [ "$old" = "$TRASH" ] || [ ! -e "$old" ] || mv "$old" "$TRASH/"
done
cleanup() {
    if [ "${KEEP_OUTPUTS:-0}" = 1 ]; then
        echo "Outputs kept in $OUT_ROOT"
    else
        rm -rf "$OUT_ROOT"
    fi
    rm -rf "$TRASH"
    rmdir "$BENCH_DIR/runs" "$BENCH_DIR/trash" 2>/dev/null || true
}
trap cleanup EXIT

# ---------------------------------------------------------------- tollgate release build
if [ -n "${TOLLGATE_BIN:-}" ]; then
    [ -x "$TOLLGATE_BIN" ] || die "TOLLGATE_BIN=$TOLLGATE_BIN is not an executable"
    TOLLGATE=$(cd "$(dirname "$TOLLGATE_BIN")" && pwd)/$(basename "$TOLLGATE_BIN")
else
    command -v swift >/dev/null 2>&1 || die "swift is required to build tollgate (or set TOLLGATE_BIN)"
    echo "Building tollgate (release) into $ROOT/.build-bench ..."
    if ! (cd "$ROOT" && timeout 3600 swift build -c release --product tollgate --scratch-path "$ROOT/.build-bench") \
            > "$OUT_ROOT/swift-build.log" 2>&1; then
        tail -n 40 "$OUT_ROOT/swift-build.log" >&2
        die "swift build failed (if a file was 'modified during the build', run again)"
    fi
    tail -n 1 "$OUT_ROOT/swift-build.log"
    TOLLGATE=$(cd "$ROOT" && swift build -c release --scratch-path "$ROOT/.build-bench" --show-bin-path)/tollgate
    [ -x "$TOLLGATE" ] || die "no tollgate binary at $TOLLGATE"
fi
echo "tollgate:  $TOLLGATE ($("$TOLLGATE" --version 2>/dev/null || echo '?'))"
if [ -z "${TOLLGATE_BIN:-}" ] && command -v git >/dev/null 2>&1; then
    echo "source:    $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
fi
echo "hugo:      $(hugo version | cut -d' ' -f1-2)"
echo "cmark-gfm: $(cmark-gfm --version | head -n 1 | cut -d' ' -f2)"
echo "machine:   $(nproc) cores, $(uname -sr); work dir $BENCH_DIR"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (1/5/15-min load average at start)"
echo

# ---------------------------------------------------------------- helpers
SITE_YML='title: Synthetic Courses
base_url: https://courses.example.com
tiers:
  - id: basic
    name: Basic
  - id: pro
    name: Pro
    includes: [basic]
  - id: team
    name: Team
    includes: [pro]
keys:
  epoch: 1'

# median of the numbers on stdin (mean of the two middle ones for an even count)
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
        else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio a/b with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Generates (or reuses, when identical) the corpus of $1 chapters.
prepare_corpus() {
    local n=$1 dir=$BENCH_DIR/corpus-$1 concat=$BENCH_DIR/corpus-$1.md
    local stamp
    stamp="$(sha256sum "$GEN_CORPUS" | cut -d' ' -f1) pages=$n hugo-site concat v1"
    if [ -f "$dir/.bench-stamp" ] && [ "$(cat "$dir/.bench-stamp")" = "$stamp" ] && [ -f "$concat" ]; then
        echo "corpus $n: reusing $dir"
    else
        [ ! -e "$dir" ] || mv "$dir" "$TRASH/corpus-$n"
        echo "corpus $n: generating into $dir ..."
        timeout 1200 python3 "$GEN_CORPUS" --pages "$n" --out "$dir" --hugo-site --concat "$concat" 2>&1 | tail -n 1 \
            || die "gen_corpus.py failed for $n pages"
        printf '%s\n' "$stamp" > "$dir/.bench-stamp"
    fi
    printf '%s\n' "$SITE_YML" > "$dir/site.yml"
    # Tollgate reads layouts/**/*.mustache and layouts/assets/**; the corpus's layouts/
    # holds Hugo's *.html templates only, which Tollgate must not pick up.
    if [ -n "$(find "$dir/layouts" \( -name '*.mustache' -o -path "$dir/layouts/assets" \) -print -quit 2>/dev/null)" ]; then
        die "corpus $dir/layouts has files Tollgate would read as theme overrides"
    fi
}

FAILED=0
# run TAG OUTFILE_PREFIX -- CMD...: times CMD with GNU time; appends "secs kib" to $RESULTS/TAG
run_timed() {
    local tag=$1 log=$2; shift 2
    local tf=$log.time rc=0
    # Earlier runs' output is still being written back to disk (the kernel starts 30 s
    # after a write): flush it first, so that no run pays for the one before it.
    sync
    timeout "$BUILD_TIMEOUT" "$TIME" -f '%e %M' -o "$tf" "$@" > "$log.out" 2> "$log.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "!! $tag failed (exit $rc): $*" >&2
        [ "$rc" -ne 124 ] || echo "!! (killed after ${BUILD_TIMEOUT}s)" >&2
        echo "---- stderr ----" >&2; tail -n 40 "$log.err" >&2
        echo "---- stdout ----" >&2; tail -n 20 "$log.out" >&2
        FAILED=1
        return 1
    fi
    tail -n 1 "$tf" >> "$RESULTS/$tag"
    printf '  %-15s %7.2f s %8.1f MiB\n' "$tag" "$(cut -d' ' -f1 < "$tf" | tail -n 1)" \
        "$(awk '{ printf "%.1f", $2 / 1024 }' < <(tail -n 1 "$tf"))"
}

RESULTS=$OUT_ROOT/results
mkdir -p "$RESULTS"
TABLE=$OUT_ROOT/table
: > "$TABLE"
largest=0
for n in $SIZES; do [ "$n" -le "$largest" ] || largest=$n; done

# A throwaway master key: premium chapters are sealed as in a real build.
TOLLGATE_MASTER_KEY=${TOLLGATE_MASTER_KEY:-$(head -c 32 /dev/urandom | base64)}
export TOLLGATE_MASTER_KEY

# ---------------------------------------------------------------- measurements
for n in $SIZES; do
    corpus=$BENCH_DIR/corpus-$n
    concat=$BENCH_DIR/corpus-$n.md
    prepare_corpus "$n"
    runs=${RUNS:-$([ "$n" -le 1000 ] && echo 5 || echo 3)}
    outs=$OUT_ROOT/$n
    mkdir -p "$outs"
    echo "corpus $n: $runs runs each, alternating tollgate (sealed) / tollgate (premium withheld) / hugo / cmark-gfm"
    for i in $(seq 1 "$runs"); do
        echo " run $i"
        run_timed "tollgate-$n" "$outs/tollgate-$i" \
            "$TOLLGATE" build "$corpus" --output "$outs/tollgate-$i" --quiet || break
        run_timed "withhold-$n" "$outs/withhold-$i" \
            "$TOLLGATE" build "$corpus" --output "$outs/withhold-$i" --quiet --withhold-premium || break
        run_timed "hugo-$n" "$outs/hugo-$i" \
            hugo -s "$corpus" -d "$outs/hugo-$i" --quiet || break
        run_timed "cmark-$n" "$outs/cmark-$i" \
            sh -c 'exec cmark-gfm -e table -e strikethrough -e autolink -e tagfilter -e tasklist "$1" > /dev/null' sh "$concat" || break
    done
    [ "$FAILED" -eq 0 ] || break
    tg_pages=$(find "$outs/tollgate-1" -name '*.html' | wc -l)
    hugo_pages=$(find "$outs/hugo-1" -name '*.html' | wc -l)
    tg_s=$(cut -d' ' -f1 < "$RESULTS/tollgate-$n" | median)
    tg_m=$(awk '{ print $2 / 1024 }' < "$RESULTS/tollgate-$n" | median)
    hu_s=$(cut -d' ' -f1 < "$RESULTS/hugo-$n" | median)
    hu_m=$(awk '{ print $2 / 1024 }' < "$RESULTS/hugo-$n" | median)
    wh_s=$(cut -d' ' -f1 < "$RESULTS/withhold-$n" | median)
    wh_m=$(awk '{ print $2 / 1024 }' < "$RESULTS/withhold-$n" | median)
    cm_s=$(cut -d' ' -f1 < "$RESULTS/cmark-$n" | median)
    cm_m=$(awk '{ print $2 / 1024 }' < "$RESULTS/cmark-$n" | median)
    {
        printf '%s|%s|%s|%s|%s|%s|%s\n' "$n" "tollgate" "$tg_s" "$tg_m" "$(ratio "$tg_s" "$hu_s")" "$(ratio "$tg_s" "$cm_s")" "$tg_pages"
        printf '%s|%s|%s|%s|%s|%s|%s\n' "$n" "withheld" "$wh_s" "$wh_m" "$(ratio "$wh_s" "$hu_s")" "$(ratio "$wh_s" "$cm_s")" "$tg_pages"
        printf '%s|%s|%s|%s|%s|%s|%s\n' "$n" "hugo" "$hu_s" "$hu_m" "1.00" "$(ratio "$hu_s" "$cm_s")" "$hugo_pages"
        printf '%s|%s|%s|%s|%s|%s|%s\n' "$n" "cmark-gfm" "$cm_s" "$cm_m" "$(ratio "$cm_s" "$hu_s")" "1.00" "-"
    } >> "$TABLE"
    echo
done

# ---------------------------------------------------------------- where Tollgate's time goes
if [ "$FAILED" -eq 0 ]; then
    echo "One more Tollgate build of the $largest-chapter corpus, not quiet (untimed, for the per-step lines):"
    rc=0
    timeout "$BUILD_TIMEOUT" "$TOLLGATE" build "$BENCH_DIR/corpus-$largest" --output "$OUT_ROOT/steps-$largest" 2>&1 | sed 's/^/  /' || rc=$?
    [ "$rc" -eq 0 ] || { echo "!! the non-quiet build failed" >&2; FAILED=1; }
    echo
fi

# ---------------------------------------------------------------- report
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (above $(nproc) means other work shared the cores)"
echo
if [ -s "$TABLE" ]; then
    echo "Results (median of the runs; time = wall seconds, RSS = peak resident set):"
    echo
    printf '| %-7s | %-9s | %8s | %13s | %8s | %10s | %6s |\n' corpus tool "median s" "peak RSS MiB" "vs Hugo" "vs cmark" "pages"
    printf '|---------|-----------|---------:|--------------:|---------:|-----------:|-------:|\n'
    while IFS='|' read -r n tool s m rh rc pages; do
        printf '| %-7s | %-9s | %8.2f | %13.1f | %8s | %10s | %6s |\n' "$n" "$tool" "$s" "$m" "$rh" "$rc" "$pages"
    done < "$TABLE"
    echo
    echo "vs Hugo / vs cmark: median wall time divided by Hugo's / by the cmark-gfm floor's."
    echo "tollgate seals premium parts (AES-256-GCM per tier); withheld = the same build with"
    echo "--withhold-premium (premium parts left out, nothing sealed)."
    echo
    echo "Cost of sealing (tollgate / withheld, median wall time):"
    while IFS='|' read -r n tool s _; do
        [ "$tool" = tollgate ] || continue
        w=$(grep "^$n|withheld|" "$TABLE" | cut -d'|' -f3)
        echo "  $n chapters: $(ratio "$s" "$w")"
    done < "$TABLE"
    echo "pages: .html files written (Tollgate makes no page for the parts' _index.md;"
    echo "Hugo renders premium chapters in full, Tollgate publishes only their teaser)."
    echo
    row=$(grep "^$((10000))|tollgate|" "$TABLE" || true)
    if [ -n "$row" ]; then
        IFS='|' read -r _ _ s m rh _ _ <<< "$row"
        verdict() { if awk -v v="$1" -v t="$2" 'BEGIN { exit !(v <= t) }'; then echo PASS; else echo FAIL; fi; }
        echo "10,000-chapter targets (informational):"
        echo "  Tollgate/Hugo wall time $rh (target <= $TARGET_RATIO): $(verdict "$rh" "$TARGET_RATIO")"
        echo "  Tollgate peak RSS $(printf '%.1f' "$m") MiB (target <= $TARGET_RSS_MIB MiB): $(verdict "$m" "$TARGET_RSS_MIB")"
    else
        echo "(10,000-chapter targets not checked: size 10000 was not measured)"
    fi
fi

if [ "$FAILED" -ne 0 ]; then
    echo "build.sh: a build failed; see the error output above" >&2
    exit 1
fi
