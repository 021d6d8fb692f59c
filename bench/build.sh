#!/usr/bin/env bash
# bench/build.sh — build benchmark of Tollgate against Hugo on equal work, with a cmark-gfm floor.
#
# What it measures, for each corpus size (default 1,000 and 10,000 chapters):
#   * the synthetic course corpus of ../shared/bench/gen_corpus.py (override with
#     GEN_CORPUS), with a site.yml declaring its tiers basic < pro < team and the Hugo
#     config of --hugo-site, so both generators build the very same Markdown;
#   * four variants, run in alternation in one session, RUNS times each:
#       tollgate-plain  `tollgate build` of a site.yml with `highlight: false`
#       tollgate-hl     `tollgate build` with highlighting on (the default), cold cache
#       hugo-plain      `hugo` with markup.highlight.codeFences = false
#       hugo-hl         `hugo` with the corpus's config (codeFences = true)
#     A probe build first finds out whether the tollgate binary highlights; when it does
#     not (or rejects the key), tollgate-hl is skipped and the output says so;
#   * tollgate is a release build of the `tollgate` product (into .build-bench/, never
#     .build/); premium chapters are sealed with a throwaway key;
#   * every build writes into a brand-new output folder under BENCH_DIR: creating
#     files right after an `rm -rf` is several times slower on these machines, so
#     nothing is deleted until the very end;
#   * wall time (s) and peak RSS (KiB) from GNU time, `/usr/bin/time -f '%e %M'`;
#     the table shows medians, and the two equal-work ratios Tollgate/Hugo
#     (neither highlights; both highlight);
#   * the floor: the cmark-gfm CLI rendering all chapter bodies (one file from
#     gen_corpus.py --concat) with the GFM extensions Tollgate enables;
#   * finally one untimed, non-quiet Tollgate build per variant of the largest corpus,
#     whose per-step progress lines show where the time goes.
# Targets (10,000 chapters, sealed, cold cache): not highlighted <= 0.8 x Hugo not
# highlighted, highlighted <= 0.4 x Hugo highlighted, peak RSS <= 250 MB.
# PASS/FAIL is informational: the exit status is 0 unless a tool crashed or failed.
#
# Usage: bench/build.sh [--sizes "1000 10000"]
# Environment:
#   RUNS=N           runs per variant and size (default 5 for sizes <= 1000, else 3)
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
TARGET_PLAIN_RATIO=0.8
TARGET_HL_RATIO=0.4
# 250 MB (10^6 bytes) in MiB
TARGET_RSS_MIB=238.4

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

# Generates (or reuses, when identical) the corpus of $1 chapters, with the two site
# folders and the two Hugo configurations of the variants.
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
    grep -q '^codeFences = true$' "$dir/hugo.toml" \
        || die "$dir/hugo.toml does not set 'codeFences = true' under [markup.highlight]; the Hugo variants need it"
    # Hugo without highlighting: the same configuration with code fences left as
    # <pre><code class="language-…"> (Hugo 0.111: markup.highlight.codeFences = false).
    sed 's/^codeFences = true$/codeFences = false/' "$dir/hugo.toml" > "$BENCH_DIR/hugo-plain-$n.toml"
    # Tollgate without highlighting: a site folder of its own (site.yml with
    # `highlight: false`, when the binary knows the key) whose content/ is the corpus's.
    local plain=$BENCH_DIR/corpus-$n-plain
    mkdir -p "$plain"
    ln -sfn "$dir/content" "$plain/content"
    if [ "$HL_KEY" -eq 1 ]; then
        printf '%s\nhighlight: false\n' "$SITE_YML" > "$plain/site.yml"
    else
        printf '%s\n' "$SITE_YML" > "$plain/site.yml"
    fi
}

# Which Tollgate variants this binary can run. A tiny probe site with one Swift code block
# is built with `highlight: false`, and with the default: when the key is rejected, or both
# builds give the same page, the binary does not highlight (its builds are the "without"
# variant); when they differ, it highlights by default.
probe_highlighting() {
    local probe=$OUT_ROOT/probe
    mkdir -p "$probe/on/content/course" "$probe/off"
    printf '%s\n' "$SITE_YML" > "$probe/on/site.yml"
    printf -- '---\ntitle: Probe\n---\n' > "$probe/on/content/course/_index.md"
    printf -- '---\ntitle: One\ntier: free\n---\n\nCode:\n\n```swift\nlet answer = 42 // the answer\n```\n' \
        > "$probe/on/content/course/one.md"
    ln -sfn "$probe/on/content" "$probe/off/content"
    printf '%s\nhighlight: false\n' "$SITE_YML" > "$probe/off/site.yml"
    if ! "$TOLLGATE" build "$probe/on" --output "$probe/out-on" --quiet > "$probe/on.log" 2>&1; then
        cat "$probe/on.log" >&2
        die "the probe build (default site.yml) failed"
    fi
    if ! "$TOLLGATE" build "$probe/off" --output "$probe/out-off" --quiet > "$probe/off.log" 2>&1; then
        HL_KEY=0 HL_SUPPORT=0
        echo "tollgate:  rejects 'highlight: false' in site.yml ($(grep -m1 -i highlight "$probe/off.log" | cut -c1-120)): no highlighting"
    elif diff -rq "$probe/out-on" "$probe/out-off" > /dev/null; then
        HL_KEY=1 HL_SUPPORT=0
        echo "tollgate:  accepts 'highlight: false' but builds the same page with and without it: no highlighting"
    else
        HL_KEY=1 HL_SUPPORT=1
        echo "tollgate:  highlights code blocks (on by default; 'highlight: false' turns it off)"
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
    printf '  %-22s %7.2f s %8.1f MiB\n' "$tag" "$(cut -d' ' -f1 < "$tf" | tail -n 1)" \
        "$(awk '{ printf "%.1f", $2 / 1024 }' < <(tail -n 1 "$tf"))"
}

# A Tollgate build with a cold highlight cache (the cache lives in the site folder).
run_tollgate() {
    local tag=$1 site=$2 out=$3
    rm -rf "$site/.tollgate/cache"
    run_timed "$tag" "$out" "$TOLLGATE" build "$site" --output "$out" --quiet
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

probe_highlighting
echo

# What each variant does (printed with the results).
VARIANTS="tollgate-plain hugo-plain hugo-hl"
[ "$HL_SUPPORT" -eq 0 ] || VARIANTS="tollgate-plain tollgate-hl hugo-plain hugo-hl"
describe() {
    case $1 in
        tollgate-plain)
            if [ "$HL_KEY" -eq 1 ]; then echo "tollgate build, site.yml 'highlight: false' (code blocks as escaped text), premium sealed"
            else echo "tollgate build, this binary does not highlight (code blocks as escaped text), premium sealed"; fi ;;
        tollgate-hl) echo "tollgate build, highlighting on (default), cold highlight cache, premium sealed" ;;
        hugo-plain) echo "hugo, markup.highlight.codeFences = false (code fences as <pre><code>)" ;;
        hugo-hl) echo "hugo, markup.highlight.codeFences = true (Chroma highlighting, the corpus's hugo.toml)" ;;
        cmark) echo "cmark-gfm CLI on all chapter bodies in one file (floor: no front matter, layouts or files)" ;;
    esac
}

# ---------------------------------------------------------------- measurements
for n in $SIZES; do
    corpus=$BENCH_DIR/corpus-$n
    concat=$BENCH_DIR/corpus-$n.md
    prepare_corpus "$n"
    runs=${RUNS:-$([ "$n" -le 1000 ] && echo 5 || echo 3)}
    outs=$OUT_ROOT/$n
    mkdir -p "$outs"
    echo "corpus $n: $runs runs each, alternating $VARIANTS cmark-gfm"
    for i in $(seq 1 "$runs"); do
        echo " run $i"
        run_tollgate "tollgate-plain-$n" "$corpus-plain" "$outs/tollgate-plain-$i" || break
        if [ "$HL_SUPPORT" -eq 1 ]; then
            run_tollgate "tollgate-hl-$n" "$corpus" "$outs/tollgate-hl-$i" || break
        fi
        run_timed "hugo-plain-$n" "$outs/hugo-plain-$i" \
            hugo -s "$corpus" --config "$BENCH_DIR/hugo-plain-$n.toml" -d "$outs/hugo-plain-$i" --quiet || break
        run_timed "hugo-hl-$n" "$outs/hugo-hl-$i" \
            hugo -s "$corpus" -d "$outs/hugo-hl-$i" --quiet || break
        run_timed "cmark-$n" "$outs/cmark-$i" \
            sh -c 'exec cmark-gfm -e table -e strikethrough -e autolink -e tagfilter -e tasklist "$1" > /dev/null' sh "$concat" || break
    done
    [ "$FAILED" -eq 0 ] || break
    # The Hugo variants must differ the way they claim to.
    sample=$(find "$outs/hugo-hl-1" -name index.html -path '*/*/*/*/index.html' -print -quit)
    if [ -n "$sample" ]; then
        twin=$outs/hugo-plain-1${sample#"$outs/hugo-hl-1"}
        grep -q 'class="highlight"' "$sample" || echo "!! Hugo (highlighted) wrote no highlighted block into $sample" >&2
        ! grep -q 'class="highlight"' "$twin" || echo "!! Hugo (codeFences = false) still highlighted $twin" >&2
    fi
    tg_pages=$(find "$outs/tollgate-plain-1" -name '*.html' | wc -l)
    hugo_pages=$(find "$outs/hugo-hl-1" -name '*.html' | wc -l)
    cm_s=$(cut -d' ' -f1 < "$RESULTS/cmark-$n" | median)
    for tag in $VARIANTS cmark; do
        s=$(cut -d' ' -f1 < "$RESULTS/$tag-$n" | median)
        m=$(awk '{ print $2 / 1024 }' < "$RESULTS/$tag-$n" | median)
        pages=-
        case $tag in tollgate-*) pages=$tg_pages ;; hugo-*) pages=$hugo_pages ;; esac
        printf '%s|%s|%s|%s|%s|%s\n' "$n" "$tag" "$s" "$m" "$(ratio "$s" "$cm_s")" "$pages" >> "$TABLE"
    done
    echo
done

# ---------------------------------------------------------------- where Tollgate's time goes
if [ "$FAILED" -eq 0 ]; then
    for variant in plain hl; do
        [ "$variant" = plain ] || [ "$HL_SUPPORT" -eq 1 ] || continue
        site=$BENCH_DIR/corpus-$largest; [ "$variant" = plain ] && site=$site-plain
        echo "One more tollgate-$variant build of the $largest-chapter corpus, not quiet (untimed, for the per-step lines):"
        rm -rf "$site/.tollgate/cache"
        rc=0
        timeout "$BUILD_TIMEOUT" "$TOLLGATE" build "$site" --output "$OUT_ROOT/steps-$variant-$largest" 2>&1 | sed 's/^/  /' || rc=$?
        [ "$rc" -eq 0 ] || { echo "!! the non-quiet build failed" >&2; FAILED=1; }
        echo
    done
fi

# ---------------------------------------------------------------- report
field() { grep "^$1|$2|" "$TABLE" | cut -d'|' -f"$3"; }
verdict() { if awk -v v="$1" -v t="$2" 'BEGIN { exit !(v <= t) }'; then echo PASS; else echo FAIL; fi; }
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (above $(nproc) means other work shared the cores)"
echo
if [ -s "$TABLE" ]; then
    echo "What each variant does (both generators build the same Markdown of the same corpus):"
    for tag in $VARIANTS cmark; do printf '  %-15s %s\n' "$tag" "$(describe "$tag")"; done
    [ "$HL_SUPPORT" -eq 1 ] || echo "  (tollgate-hl not run: this tollgate binary does not highlight code blocks)"
    echo
    echo "Results (median of the runs; time = wall seconds, RSS = peak resident set):"
    echo
    printf '| %-7s | %-14s | %8s | %13s | %10s | %6s |\n' corpus variant "median s" "peak RSS MiB" "vs cmark" "pages"
    printf '|---------|----------------|---------:|--------------:|-----------:|-------:|\n'
    while IFS='|' read -r n tag s m rc pages; do
        printf '| %-7s | %-14s | %8.2f | %13.1f | %10s | %6s |\n' "$n" "$tag" "$s" "$m" "$rc" "$pages"
    done < "$TABLE"
    echo
    echo "pages: .html files written (Tollgate makes no page for the parts' _index.md; Hugo"
    echo "renders premium chapters in full, Tollgate publishes their teaser and seals the rest)."
    echo
    echo "Equal-work ratios (Tollgate median wall time / Hugo median wall time, same corpus):"
    for n in $SIZES; do
        [ -n "$(field "$n" hugo-plain 3)" ] || continue
        echo "  $n chapters, neither highlights:  tollgate-plain / hugo-plain = $(ratio "$(field "$n" tollgate-plain 3)" "$(field "$n" hugo-plain 3)")"
        if [ "$HL_SUPPORT" -eq 1 ]; then
            echo "  $n chapters, both highlight:      tollgate-hl / hugo-hl = $(ratio "$(field "$n" tollgate-hl 3)" "$(field "$n" hugo-hl 3)")"
        else
            echo "  $n chapters, both highlight:      not measured (Tollgate cannot highlight);" \
                "unequal work, for information: tollgate-plain / hugo-hl = $(ratio "$(field "$n" tollgate-plain 3)" "$(field "$n" hugo-hl 3)")"
        fi
    done
    echo
    if [ -n "$(field 10000 hugo-plain 3)" ]; then
        echo "10,000-chapter targets (informational; 250 MB = 238.4 MiB):"
        r=$(ratio "$(field 10000 tollgate-plain 3)" "$(field 10000 hugo-plain 3)")
        echo "  not highlighted: Tollgate/Hugo $r (target <= $TARGET_PLAIN_RATIO): $(verdict "$r" "$TARGET_PLAIN_RATIO")"
        if [ "$HL_SUPPORT" -eq 1 ]; then
            r=$(ratio "$(field 10000 tollgate-hl 3)" "$(field 10000 hugo-hl 3)")
            echo "  highlighted:     Tollgate/Hugo $r (target <= $TARGET_HL_RATIO): $(verdict "$r" "$TARGET_HL_RATIO")"
        else
            echo "  highlighted:     not measured (this tollgate binary does not highlight)"
        fi
        for tag in $VARIANTS; do
            case $tag in tollgate-*) ;; *) continue ;; esac
            m=$(field 10000 "$tag" 4)
            echo "  $tag peak RSS $(printf '%.1f' "$m") MiB (target <= $TARGET_RSS_MIB MiB): $(verdict "$m" "$TARGET_RSS_MIB")"
        done
    else
        echo "(10,000-chapter targets not checked: size 10000 was not measured)"
    fi
fi

if [ "$FAILED" -ne 0 ]; then
    echo "build.sh: a build failed; see the error output above" >&2
    exit 1
fi
