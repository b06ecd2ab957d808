#!/usr/bin/env python3
"""Prints the ratios of `cargo bench -p stepup --bench verify` as a Markdown table.

Reads criterion's estimates (target/criterion/verify/<impl>/<alg>/<run>/estimates.json)
and uses, for each benchmark, the lowest median over the runs given as arguments
(criterion baselines, e.g. `run1 run2 run3` saved with `-- --save-baseline run1`);
without arguments, the last run (`new`). On a shared machine single runs drift by
±20 %; the lowest median over interleaved runs is the least disturbed figure.
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion" / "verify"
algs = ["HS256", "RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"]
targets = {"HS256": 2.0, "RS256": 1.05, "PS256": 1.05}


runs = sys.argv[1:] or ["new"]


def median_ns(impl: str, alg: str):
    values = []
    for run in runs:
        path = root / impl / alg / run / "estimates.json"
        if path.exists():
            values.append(json.loads(path.read_text())["median"]["point_estimate"])
    return min(values) if values else None


def fmt_time(ns):
    return "–" if ns is None else (f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns")


if not root.exists():
    sys.exit("no criterion results: run `cargo bench -p stepup --bench verify` first")
print("| alg | stepup | raw aws-lc-rs | jsonwebtoken 12 | stepup / raw (target) | jsonwebtoken / stepup |")
print("|---|---|---|---|---|---|")
for alg in algs:
    ours, raw, jwt = (median_ns(i, alg) for i in ("stepup", "raw", "jsonwebtoken"))
    if ours is None or raw is None:
        continue
    target = targets.get(alg, 1.03)
    ratio = ours / raw
    verdict = "met" if ratio <= target else "not met"
    speedup = "– (no ES512)" if jwt is None else f"{jwt / ours:.2f}×"
    print(f"| {alg} | {fmt_time(ours)} | {fmt_time(raw)} | {fmt_time(jwt)} | "
          f"{ratio:.3f}× (≤ {target}×: {verdict}) | {speedup} |")
