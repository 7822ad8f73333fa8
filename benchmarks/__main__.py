"""``python -m benchmarks [--quick] [--json FILE]``: W1-W4 against the installed peers."""

from __future__ import annotations

import argparse
import datetime
import functools
import gc
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from . import profile, w1_systems, workloads
from .common import interleaved_medians, make_problem, max_rel_diff

__all__ = ["main"]

HAND = "hand-written floats"


def _installed(name: str) -> bool:
    module = {"micrograd": "micrograd", "torch per-scalar": "torch"}.get(name)
    return module is None or w1_systems._has(module)


def w1(repeats: int, report: dict[str, Any]) -> bool:
    problem = make_problem()
    systems = [cls(problem) for cls in w1_systems.available()]
    ref = next(s for s in systems if s.name == HAND)
    ref_loss, ref_grads = ref.compute(), ref.grads()
    ok = True
    print("W1 moons step: MLP(2, [16, 16, 1]), 100 points, hinge + 1e-4 L2, SGD")
    for s in systems:
        loss = s.compute() if s is not ref else ref_loss
        d = max(max_rel_diff([loss], [ref_loss]), max_rel_diff(s.grads(), ref_grads))
        ok &= d <= 1e-9
        verdict = "ok" if d <= 1e-9 else "MISMATCH"
        print(f"  check {s.name:28s} loss {loss:.12f}  max rel diff {d:.1e}  {verdict}")
    if not ok:
        return False
    # Fixed work: every timed step computes the same loss on the same weights (an SGD step with
    # lr = 0 still runs its arithmetic), so no system is timed on weights the others never see.
    problem.lr = 0.0
    gc.collect()
    gc.freeze()  # see main(): the harness's objects are not the workload's
    try:
        times = interleaved_medians({s.name: s.step for s in systems}, repeats)
    finally:
        gc.unfreeze()
    report["w1"] = {"ms_per_step": {k: v * 1e3 for k, v in times.items()}}
    print(f"  {'system':28s} {'ms/step':>9s} {'x hand':>8s} {'micrograd/x':>12s}")
    for name, t in times.items():
        mg = times.get("micrograd")
        speedup = f"{mg / t:12.1f}" if mg else f"{'-':>12s}"
        print(f"  {name:28s} {t * 1e3:9.2f} {t / times[HAND]:8.2f} {speedup}")
    eager = next(s for s in systems if s.name == "autograd_lite")
    phases = profile.w1_phases(eager.loss, eager.params, repeats)
    report["w1"]["phases_ms"] = phases
    whole = sum(phases.values())
    shares = ", ".join(f"{k} {v:.1f} ms ({v / whole:.0%})" for k, v in phases.items())
    print(f"  autograd_lite eager step by phase: {shares}")
    for ours, peer in BATCHED_PEERS:
        if ours in times and peer in times:
            print(
                f"  {ours} / {peer}: {times[ours] / times[peer]:.1f}x; "
                f"/ autograd_lite compiled: {times[ours] / times['autograd_lite compiled']:.2f}x"
            )
    return True


# The batched replay against the batched peer on the same backend.
BATCHED_PEERS = [
    ("autograd_lite batched numpy", "numpy hand-derived"),
    ("autograd_lite batched torch", "torch batched"),
]


def w2(sizes: list[int], report: dict[str, Any]) -> None:
    print("W2 deep chain y = y * a + b (2 nodes per step): us per node, forward + backward")
    failed: dict[str, str] = {}
    table: dict[str, dict[int, float | str]] = {name: {} for name in workloads.CHAIN}
    grads: dict[int, dict[str, float]] = {}
    for n in sizes:
        runs = {}
        for name, fn in workloads.CHAIN.items():
            if not _installed(name):
                continue
            if name in failed:
                table[name][n] = f"fails ({failed[name]})"
            elif name == "torch per-scalar" and n > 100_000:
                table[name][n] = "not run (slow)"
            else:
                result: list[float] = []
                error = workloads.run_or_fail(functools.partial(_record, fn, n, result))
                grads.setdefault(n, {}).update({name: result[0]} if result else {})
                if error:
                    failed[name] = error
                    table[name][n] = f"fails ({error})"
                else:
                    runs[name] = functools.partial(fn, n)
        inner = max(1, 20_000 // n)
        repeats = 5 if n <= 10_000 else 3 if n <= 100_000 else 1
        for name, t in interleaved_medians(runs, repeats, inner).items():
            table[name][n] = t / (2 * n) * 1e6
    report["w2"] = {name: {str(n): v for n, v in row.items()} for name, row in table.items() if row}
    for n, per in grads.items():
        ref = per.get(HAND)
        for name, g in per.items():
            if ref is not None and max_rel_diff([g], [ref]) > 1e-9:
                print(f"  MISMATCH at n={n}: {name} gives d y/d a = {g!r}, hand-written {ref!r}")
    _print_rows(table, sizes, "n =")


def _record(fn: Callable[[int], float], n: int, out: list[float]) -> None:
    out.append(fn(n))


def _print_rows(table: dict[str, dict[int, float | str]], sizes: list[int], head: str) -> None:
    # Wide enough for the longest note ("fails (RecursionError)"), with a gap before it.
    notes = [len(c) for row in table.values() for c in row.values() if isinstance(c, str)]
    w = max([13, *notes]) + 2
    print(f"  {'system':26s}" + "".join(f"{head + f' {n:.0e}':>{w}s}" for n in sizes))
    for name, row in table.items():
        if row:
            cells = (row.get(n, "-") for n in sizes)
            print(
                f"  {name:26s}"
                + "".join(f"{c:{w}.3f}" if isinstance(c, float) else f"{c:>{w}s}" for c in cells)
            )


def w3(nodes: int, report: dict[str, Any]) -> None:
    print(f"W3 memory: bytes per node of a {nodes:.0e}-node chain (tracemalloc, graph alive)")
    out = {}
    for name, build in workloads.BUILD.items():
        if _installed(name):
            out[name] = workloads.bytes_per_node(build, nodes)
            print(f"  {name:26s} {out[name]:9.1f}")
    report["w3"] = out


def memory(chain: int, report: dict[str, Any]) -> None:
    print("Peak memory (tracemalloc)")
    peak = profile.backward_peak(chain)
    print(f"  backward() of a {2 * chain:.0e}-node chain: {peak:.0f} MiB")
    n = max(chain // 5, 1000)  # 1e5 steps in a full run: the chain of #21, 2e5 nodes
    forward, reverse = profile.forward_vs_reverse_peak(n)
    print(f"  a {n:.0e}-step chain: jvp (forward mode) {forward:.2f} MiB, grad {reverse:.1f} MiB")
    report["memory"] = {"backward_mib": peak, "jvp_mib": forward, "grad_mib": reverse, "n": n}


def w4(sizes: list[int], report: dict[str, Any]) -> None:
    print("W4 wide sum of n products w_i * x_i, then backward: us per term")
    table: dict[str, dict[int, float | str]] = {name: {} for name in workloads.WIDE}
    for n in sizes:
        runs = {}
        for name, make in workloads.WIDE.items():
            if not _installed(name):
                continue
            run = make(n)
            error = workloads.run_or_fail(run)
            if error:
                table[name][n] = f"fails ({error})"
            else:
                runs[name] = run
        workloads.check_wide(n, runs)  # each system's gradients after its one untimed run
        inner = max(1, 20_000 // n)
        for name, t in interleaved_medians(runs, 5, inner).items():
            table[name][n] = t / n * 1e6
    report["w4"] = {name: {str(n): v for n, v in row.items()} for name, row in table.items() if row}
    _print_rows(table, sizes, "n =")


def targets(report: dict[str, Any]) -> list[tuple[str, float | None, float, bool]]:
    """(description, measured ratio, limit, met) for each of the issue's targets."""
    rows: list[tuple[str, float | None, float, bool]] = []

    def add(text: str, ratio: float | None, limit: float, higher: bool = False) -> None:
        met = ratio is not None and (ratio >= limit if higher else ratio <= limit)
        rows.append((text, ratio, limit, met))

    t1 = report["w1"]["ms_per_step"]
    add("W1 eager / hand-written floats <= 3", t1["autograd_lite"] / t1[HAND], 3)
    if "micrograd" in t1:
        add("W1 micrograd / eager >= 25", t1["micrograd"] / t1["autograd_lite"], 25, True)
    add("W1 compiled / hand-written floats <= 1.0", t1["autograd_lite compiled"] / t1[HAND], 1.0)
    chain = report["w2"]["autograd_lite"]
    big, small = max(chain, key=int), min(chain, key=int)
    survived = all(isinstance(v, float) for v in chain.values())
    add(f"W2 survives n = {int(big):.0e} (1 = yes)", 1.0 if survived else 0.0, 1, True)
    # Flatness is judged with the collector paused (see gc_note for the figures with it on).
    for key, limit in (("w2", 1.5), ("w4", 1.4)):
        row = report[key].get(workloads.GC_OFF, {})
        if row and all(isinstance(v, float) for v in row.values()):
            big, small = max(row, key=int), min(row, key=int)
            what = "time/node" if key == "w2" else "time/term"
            add(
                f"{key.upper()} {what} at {int(big):.0e} / {int(small):.0e}, gc paused <= {limit}",
                row[big] / row[small],
                limit,
            )
    add("W3 bytes per node <= 220", report["w3"]["autograd_lite"], 220)
    return rows


def gc_note(report: dict[str, Any]) -> str:
    """The same growth ratios with the collector on, next to PyTorch per scalar's."""
    parts = []
    for key in ("w2", "w4"):
        for name in ("autograd_lite", "torch per-scalar"):
            row = {n: v for n, v in report[key].get(name, {}).items() if isinstance(v, float)}
            if len(row) > 1:
                big, small = max(row, key=int), min(row, key=int)
                parts.append(f"{key.upper()} {name} {row[big] / row[small]:.2f} ({small}->{big})")
    return "growth per node with the collector on: " + "; ".join(parts)


def _write_json(path: str, data: dict[str, Any]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bench-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the tables and the targets; 0 on success, 1 on a mismatch."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "quick": args.quick,
    }
    when = f"{report['date']}, Python {report['python']}, {report['machine']}"
    print(f"autograd_lite benchmarks, {when}")
    if not w1(3 if args.quick else 15, report):
        print("the systems disagree on the first step: no timings")
        return 1
    # Freeze what the harness holds (imported peers, tables, the W1 models): CPython's full
    # collections rescan every tracked object in the process, which would charge the harness's
    # objects (PyTorch's, mostly) to whichever workload happens to trigger them; W1 does the same
    # around its timing. The workloads' own nodes stay collectable.
    gc.collect()
    gc.freeze()
    w2([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000], report)
    w3(20_000 if args.quick else 200_000, report)
    w4([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000], report)
    memory(100_000 if args.quick else 500_000, report)
    gc.unfreeze()
    print("Targets (ratios measured in this run):")
    report["targets"] = []
    for text, ratio, limit, met in targets(report):
        shown = "n/a" if ratio is None else f"{ratio:.2f}"
        print(f"  {'met    ' if met else 'not met'}  {text:55s} measured {shown}")
        report["targets"].append({"target": text, "measured": ratio, "limit": limit, "met": met})
    print(f"  (for information: {gc_note(report)})")
    if args.quick:
        print("  (--quick: W2-W4 at reduced sizes; run without --quick for the issue's targets)")
    print(f"({time.perf_counter() - start:.0f} s)")
    if args.json:
        _write_json(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
