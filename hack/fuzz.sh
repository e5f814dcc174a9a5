#!/usr/bin/env bash
# Runs every Go fuzz target of the module, one after the other, each for
# FUZZTIME (default 15s) with one worker, and fails when any of them finds
# a crasher (the input is then in the package's testdata/fuzz/<Target>/; see
# docs/fuzzing.md). Targets are discovered from the sources, so a new
# `func FuzzXxx(f *testing.F)` in any package is picked up.
#
#   hack/fuzz.sh                     # every target, 15s each
#   FUZZTIME=2m hack/fuzz.sh Decode  # the targets whose name matches Decode
#
# FUZZMINIMIZETIME (default 5s) bounds the minimisation of each new input,
# which otherwise stalls a short run for up to a minute at a time.
#
# Go before 1.27 can fail a run with a bare "context deadline exceeded" when
# -fuzztime runs out while a worker is busy (go.dev/issue/75804); such a run
# wrote no crasher, found nothing, and counts as passed, with a note.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-15s}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-5s}
filter=${1:-.}

# The test binary's own timeout must outlast the fuzzing (go test's default
# is 10m); a worker stuck on one input then still ends the run.
timeout=10m
if [[ $FUZZTIME =~ ^([0-9]+)(s|m|h)$ ]]; then
	n=${BASH_REMATCH[1]}
	case ${BASH_REMATCH[2]} in
	s) secs=$n ;;
	m) secs=$((n * 60)) ;;
	h) secs=$((n * 3600)) ;;
	esac
	timeout=$((secs * 2 + 300))s
fi

# package directory <TAB> import path <TAB> target, for every Fuzz function
# in a _test.go file of a package of this module.
targets=()
while IFS=$'\t' read -r dir pkg; do
	for name in $(grep -ho -E '^func Fuzz[A-Za-z0-9_]*\([a-z]+ \*testing\.F\)' "$dir"/*_test.go 2>/dev/null |
		sed -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' | sort -u); do
		if [[ $name =~ $filter ]]; then
			targets+=("$dir"$'\t'"$pkg"$'\t'"$name")
		fi
	done
done < <("$GO" list -f '{{.Dir}}{{"\t"}}{{.ImportPath}}' ./...)

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets match '$filter'" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets, $FUZZTIME each"

failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
	IFS=$'\t' read -r dir pkg name <<<"$t"
	corpus="$dir/testdata/fuzz/$name"
	before=$(ls "$corpus" 2>/dev/null || true)
	start=$(date +%s)
	status=0
	"$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" \
		-fuzzminimizetime "$FUZZMINIMIZETIME" -parallel 1 -timeout "$timeout" "$pkg" >"$log" 2>&1 || status=$?
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 || true)
	took="$(($(date +%s) - start))s${execs:+, $execs}"
	if [ $status -eq 0 ]; then
		echo "ok    $name ($pkg) $took"
	elif grep -q '^    context deadline exceeded$' "$log" && ! grep -q 'Failing input written' "$log" &&
		[ "$(ls "$corpus" 2>/dev/null || true)" = "$before" ]; then
		echo "ok    $name ($pkg) $took (ended by go.dev/issue/75804, no crasher)"
	else
		echo "FAIL  $name ($pkg) $(($(date +%s) - start))s"
		grep -v '^fuzz: elapsed' "$log" | tail -30 | sed 's/^/      /'
		failed+=("$name ($pkg)")
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: ${#failed[@]} target(s) failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	echo "fuzz: the failing inputs are in testdata/fuzz/<Target>/ of each package; see docs/fuzzing.md" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
