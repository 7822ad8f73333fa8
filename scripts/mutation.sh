#!/usr/bin/env bash
# Mutation score of the engine: mutmut mutates autograd_lite/engine.py, ops.py, op.py, modes.py,
# methods.py, hooks.py, the other node mixins (reading.py, constant.py, higher_order.py) and
# the lean neuron path (lean.py) and gradients on request (grads.py)
# (configured in pyproject.toml, [tool.mutmut]) and runs the engine's tests against each mutant.
# The op table is plain Python, so mutmut changes every formula directly.
# A mutant the tests do not notice "survives"; the score is killed / all mutants, where mutants
# in code no selected test reaches ("no tests") count as not killed.
#
# Usage: scripts/mutation.sh [--keep]    (from anywhere; needs the dev extra: mutmut >= 3)
# mutmut works in ./mutants/ (git-ignored; pytest's testpaths and ruff never look there); it is
# removed at the end unless --keep is given (keep it to run `mutmut browse` or `mutmut show`).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=no
[[ "${1:-}" == "--keep" ]] && keep=yes
MUTMUT=${MUTMUT:-mutmut}
command -v "$MUTMUT" >/dev/null 2>&1 || {
  echo "mutmut not found: pip install -e '.[dev]' (or set MUTMUT=/path/to/mutmut)" >&2
  exit 2
}

# A small derandomized hypothesis profile (tests/conftest.py): each mutant runs the tests again.
export HYPOTHESIS_PROFILE=mutation

echo "== mutating (sha256 of the files under test):"
sha256sum autograd_lite/engine.py autograd_lite/ops.py autograd_lite/op.py autograd_lite/modes.py \
  autograd_lite/methods.py autograd_lite/hooks.py autograd_lite/reading.py \
  autograd_lite/constant.py autograd_lite/higher_order.py autograd_lite/lean.py \
  autograd_lite/grads.py
rm -rf mutants
"$MUTMUT" run --max-children "${JOBS:-$(nproc)}" || true

"$MUTMUT" results --all true > mutants/results.txt 2>/dev/null || "$MUTMUT" results > mutants/results.txt
python3 - mutants/results.txt <<'PY'
import collections, re, sys
counts = collections.Counter()
survivors = []
for line in open(sys.argv[1]):
    m = re.match(r"\s*(\S+): (\w[\w ]*)$", line.rstrip())
    if m:
        counts[m.group(2)] += 1
        if m.group(2) in ("survived", "no tests"):
            survivors.append(f"{m.group(2)}: {m.group(1)}")
# Timeouts and crashes count as killed (the mutant broke the code); "no tests" counts as not killed.
killed = counts["killed"] + counts["timeout"] + counts["segfault"]
total = killed + counts["survived"] + counts["no tests"] + counts["suspicious"]
print("== mutants by status:", dict(counts))
if total:
    print(f"== mutation score: {killed}/{total} killed = {100 * killed / total:.1f}%")
for name in survivors:
    print("  ", name)
PY

if [[ "$keep" == no ]]; then
  rm -rf mutants
fi
