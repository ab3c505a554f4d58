#!/usr/bin/env bash
# Drive a bbopt study from a shell script: ask for parameters, run a program,
# tell the result. The "simulation" is an awk one-liner standing in for any
# program in any language; one that fails is told as FAIL.
#
# Usage: examples/shell_ask_tell.sh [N_TRIALS]   (default 20)
# Environment: STUDY_DIR (where study.db goes, default: a new temporary
# directory), BBOPT (the command, default "bbopt"; e.g. "python -m bbopt").
set -euo pipefail

N_TRIALS="${1:-20}"
STUDY_DIR="${STUDY_DIR:-$(mktemp -d)}"
BBOPT="${BBOPT:-bbopt}"
STORAGE="sqlite:///${STUDY_DIR}/study.db"
STUDY="rosenbrock-shell"
SPACE='{"x": {"type": "float", "low": -2, "high": 2},
        "y": {"type": "float", "low": -1, "high": 3},
        "scale": {"type": "int", "low": 1, "high": 100, "log": true}}'

$BBOPT create-study --storage "$STORAGE" --study "$STUDY" --skip-if-exists > /dev/null

# Print the value of "key" from the JSON object on stdin (any JSON reader does).
json_get() {
    python3 -c 'import json, sys
a = json.load(sys.stdin)
print(a[sys.argv[1]] if sys.argv[1] in a else a["params"][sys.argv[1]])' "$1"
}

for _ in $(seq 1 "$N_TRIALS"); do
    asked=$($BBOPT ask --storage "$STORAGE" --study "$STUDY" --search-space "$SPACE" --seed 0)
    number=$(json_get number <<< "$asked")
    x=$(json_get x <<< "$asked")
    y=$(json_get y <<< "$asked")
    scale=$(json_get scale <<< "$asked")
    # The simulation: Rosenbrock's function, failing (exit 1) where scale > 90.
    if value=$(awk -v x="$x" -v y="$y" -v s="$scale" \
            'BEGIN { if (s > 90) exit 1; print (1 - x) ^ 2 + s * (y - x * x) ^ 2 }'); then
        $BBOPT tell --storage "$STORAGE" --study "$STUDY" --trial-number "$number" \
            --values "$value" > /dev/null
    else
        $BBOPT tell --storage "$STORAGE" --study "$STUDY" --trial-number "$number" \
            --state fail > /dev/null
    fi
done

echo "trials:"
$BBOPT trials --storage "$STORAGE" --study "$STUDY" --format csv | head -n 4
echo "best:"
$BBOPT best --storage "$STORAGE" --study "$STUDY"
