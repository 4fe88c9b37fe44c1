#!/bin/sh
# The logic of the maestro-graph GitHub Action (action.yml at the repository root runs it; see the
# README, "Regression testing and CI", "GitHub Action"). POSIX sh, so the test suite and a local
# shell run it exactly the way the action does.
#
#   github-action.sh install   install maestro-graph from the action's own checkout
#   github-action.sh check     run the gate, write SARIF and the job summary, exit with check's code
#
# Inputs arrive as environment variables, which is how action.yml passes them (never spliced into
# the script text, so a file name cannot inject shell code):
#   INPUT_MODEL     the model file (required)
#   INPUT_BASELINE  the baseline file (default maestro-baseline.yaml)
#   INPUT_BAND      check --band: the band at or above which an unaccepted chain fails (default high)
#   INPUT_RULES     rule folders, separated by spaces or newlines: one --rules each
#   INPUT_ARGS      more options of check, separated by spaces (not --format or -o)
#   INPUT_SARIF     where to write the SARIF log (default maestro-graph.sarif; empty: none)
#   INPUT_SUMMARY   true: append the Markdown report to the job summary (default true)
# Other environment:
#   MAESTRO_ACTION_SKIP_INSTALL=1  `install` does nothing: maestro-graph is already on PATH (the
#                                  test suite, or a job that installs a pinned build itself)
#   GITHUB_ACTION_PATH             the action's checkout, installed from (default: this script's ..)
#   RUNNER_TEMP                    where the virtual environment goes (default $TMPDIR or /tmp)
#   GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_ACTIONS: set by the runner
#
# Exit codes of `check` are maestro-graph check's: 0 all chains accepted, 1 a chain at or above the
# band is not accepted, 2 bad input (model, baseline, options, or a SARIF file that could not be
# written).
set -u

# Bytes of Markdown the job summary takes; MAESTRO_ACTION_SUMMARY_LIMIT lowers it for the tests.
SUMMARY_LIMIT=${MAESTRO_ACTION_SUMMARY_LIMIT:-1000000}

say() { printf 'maestro-graph action: %s\n' "$*" >&2; }

# A step output, when the runner asks for them. Values are single lines (paths, a verdict).
output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

install() {
    if [ "${MAESTRO_ACTION_SKIP_INSTALL:-}" = 1 ]; then
        say "MAESTRO_ACTION_SKIP_INSTALL=1: using $(command -v maestro-graph || echo 'maestro-graph (not on PATH)')"
        return 0
    fi
    source=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
    python=$(command -v python3 || command -v python) || {
        say "no python3 or python on PATH (set the python-version input)"
        return 2
    }
    # A virtual environment of its own: the runner's Python may be externally managed (PEP 668,
    # as on Ubuntu 24.04), and maestro-graph's dependencies stay out of the job's packages.
    venv=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/maestro-graph-venv
    "$python" -m venv "$venv" || return
    bin=$venv/bin
    [ -d "$bin" ] || bin=$venv/Scripts # Windows layout
    "$bin/python" -m pip install --quiet --disable-pip-version-check "$source" || return
    if [ -n "${GITHUB_PATH:-}" ]; then
        printf '%s\n' "$bin" >>"$GITHUB_PATH" # later steps, the gate among them, find it
    fi
    "$bin/maestro-graph" --version
}

check() {
    model=${INPUT_MODEL:-}
    if [ -z "$model" ]; then
        say "the model input is required (the architecture model file)"
        output exit-code 2
        output sarif ""
        return 2
    fi
    if ! command -v maestro-graph >/dev/null 2>&1; then
        say "maestro-graph is not on PATH (did the install step run?)"
        output exit-code 2
        output sarif ""
        return 2
    fi
    # The options every run shares. Folders and extra options are split on blanks and never
    # globbed; the model comes last, after --, so a name starting with - is still a file.
    set -- --baseline "${INPUT_BASELINE:-maestro-baseline.yaml}" --band "${INPUT_BAND:-high}"
    set -f
    for folder in ${INPUT_RULES:-}; do
        set -- "$@" --rules "$folder"
    done
    for option in ${INPUT_ARGS:-}; do
        set -- "$@" "$option"
    done
    set +f

    scratch=$(mktemp -d) || return 2
    trap 'rm -rf "$scratch"' EXIT

    # The gate itself, its table in the log. Its exit code is the action's.
    maestro-graph check "$@" -- "$model" >"$scratch/table"
    code=$?
    cat "$scratch/table"
    if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
        # Bad input: the SARIF and summary runs would only repeat the error above.
        output exit-code "$code"
        output sarif ""
        return "$code"
    fi
    verdict=$(tail -n 1 "$scratch/table")

    # The same check again for each report: the analysis is deterministic, so the verdicts agree.
    # Their own verdict lines on standard error are kept quiet unless something went wrong.
    written=""
    sarif=${INPUT_SARIF-maestro-graph.sarif}
    if [ -n "$sarif" ]; then
        mkdir -p -- "$(dirname -- "$sarif")"
        maestro-graph check "$@" --format sarif -o "$sarif" -- "$model" 2>"$scratch/sarif.err"
        status=$?
        if [ "$status" -le 1 ]; then
            written=$sarif
            say "wrote the SARIF log $sarif"
        else
            cat "$scratch/sarif.err" >&2
            say "could not write the SARIF log $sarif"
            code=2
        fi
    fi
    if [ "${INPUT_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        maestro-graph check "$@" --format md -- "$model" >"$scratch/summary.md" 2>"$scratch/md.err"
        status=$?
        if [ "$status" -gt 1 ]; then
            cat "$scratch/md.err" >&2
            say "could not write the job summary (the gate's result stands)"
        elif [ "$(wc -c <"$scratch/summary.md")" -gt "$SUMMARY_LIMIT" ]; then
            # GitHub drops a step summary above 1 MiB: keep the heading and the verdict.
            head -n 3 "$scratch/summary.md" >>"$GITHUB_STEP_SUMMARY"
            printf '\nThe full report is over 1 MiB: see the job log or the SARIF upload.\n' \
                >>"$GITHUB_STEP_SUMMARY"
        else
            cat "$scratch/summary.md" >>"$GITHUB_STEP_SUMMARY"
        fi
    fi

    output exit-code "$code"
    output sarif "$written"
    output verdict "$verdict"
    if [ "$code" -eq 1 ] && [ "${GITHUB_ACTIONS:-}" = true ]; then
        # An annotation on the run's summary page; the verdict is maestro-graph's own fixed text.
        printf '::error title=maestro-graph check::%s\n' "$verdict"
    fi
    return "$code"
}

case ${1:-} in
install) install ;;
check) check ;;
*)
    say "usage: github-action.sh install|check"
    exit 2
    ;;
esac
