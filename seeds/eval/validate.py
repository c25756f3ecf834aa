"""Sanity checks for the labelled evaluation set in this folder.

    python3 seeds/eval/validate.py [FOLDER]      (default: this folder; e.g. seeds/eval-holdout)

Checks: CSV headers, unique refs, priority/support-type slugs, ward codes, units, quantities,
needed_by_days range, label refs, one best offer per need, and that every labelled offer (best and
also-good) shares a support type with its need. A need no offer in the set meets is labelled
`best_offer_ref` = `none` with an empty `also_good` (a "no-answer" need). Then prints, for each need, the location tier of its
best offer (0 same ward, 1 neighbouring ward, 2 borough-wide, 3 far ward) and any offer sharing a
support type that sits in a strictly better tier, for a human to confirm it is unfit for purpose.
Uses only the standard library; does not import the matching engine.
"""

import csv
import sys
from collections import Counter
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent
HERE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent

PRIORITIES = {"good-jobs", "inclusive-economy", "reducing-inequalities", "environment", "vcse-capacity"}
SUPPORT = {"volunteering", "skills", "in-kind", "donation", "employment", "space"}
UNITS = {"hours", "people", "items", "pounds", "days", "places"}
NEED_COLS = [
    "ref",
    "title",
    "description",
    "priorities",
    "wards",
    "support_types",
    "quantity",
    "unit",
    "needed_by_days",
]
OFFER_COLS = ["ref", "title", "description", "priorities", "wards", "support_types", "quantity", "unit", "supplier"]
LABEL_COLS = ["need_ref", "best_offer_ref", "also_good"]
NO_ANSWER = "none"  # best_offer_ref of a need that no offer in the set meets

errors = []


def err(msg):
    errors.append(msg)


def split(value):
    return [v.strip() for v in value.split(";") if v.strip()]


def read(name, cols):
    with (HERE / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != cols:
            err(f"{name}: header {reader.fieldnames} != {cols}")
        return list(reader)


def load_geography():
    names, codes = {}, set()
    with (SEEDS / "wards.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names[row["ward_name_ons"]] = row["ons_code"]
            codes.add(row["ons_code"])
    adj = {c: set() for c in codes}
    with (SEEDS / "ward_adjacency.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            a, b = names[row["ward_a"]], names[row["ward_b"]]
            adj[a].add(b)
            adj[b].add(a)
    return codes, adj


def check_item(kind, row, codes):
    ref = row["ref"]
    for p in split(row["priorities"]):
        if p not in PRIORITIES:
            err(f"{kind} {ref}: unknown priority {p!r}")
    if not split(row["priorities"]):
        err(f"{kind} {ref}: no priorities")
    wards = split(row["wards"])
    if not wards:
        err(f"{kind} {ref}: no wards")
    if "borough-wide" in wards and len(wards) > 1:
        err(f"{kind} {ref}: borough-wide mixed with ward codes")
    for w in wards:
        if w != "borough-wide" and w not in codes:
            err(f"{kind} {ref}: unknown ward {w!r}")
    types = split(row["support_types"])
    if not types:
        err(f"{kind} {ref}: no support types")
    for t in types:
        if t not in SUPPORT:
            err(f"{kind} {ref}: unknown support type {t!r}")
    q, u = row["quantity"].strip(), row["unit"].strip()
    if bool(q) != bool(u):
        err(f"{kind} {ref}: quantity and unit must be given together")
    if q and not (q.isdigit() and int(q) > 0):
        err(f"{kind} {ref}: bad quantity {q!r}")
    if u and u not in UNITS:
        err(f"{kind} {ref}: unknown unit {u!r}")
    if not row["title"].strip() or len(row["description"].strip()) < 60:
        err(f"{kind} {ref}: title or description missing/too short")


def tier(need_wards, offer_wards, adj):
    if "borough-wide" in offer_wards:
        return 2
    if "borough-wide" in need_wards:
        return 2  # a borough-wide need is served equally by any ward
    if set(need_wards) & set(offer_wards):
        return 0
    if any(adj[n] & set(offer_wards) for n in need_wards):
        return 1
    return 3


def main():
    codes, adj = load_geography()
    needs = read("needs.csv", NEED_COLS)
    offers = read("offers.csv", OFFER_COLS)
    labels = read("labels.csv", LABEL_COLS)

    for kind, rows, prefix in (("need", needs, "N"), ("offer", offers, "O")):
        refs = [r["ref"] for r in rows]
        for ref, n in Counter(refs).items():
            if n > 1:
                err(f"duplicate {kind} ref {ref}")
        for i, ref in enumerate(refs, 1):
            if ref != f"{prefix}{i:02d}":
                err(f"{kind} refs not sequential at {ref}")
                break
        for r in rows:
            check_item(kind, r, codes)
    for r in needs:
        d = r["needed_by_days"].strip()
        if not (d.isdigit() and 5 <= int(d) <= 200):
            err(f"need {r['ref']}: needed_by_days {d!r} not in 5..200")
    for r in offers:
        if not r["supplier"].strip():
            err(f"offer {r['ref']}: no supplier")

    need_by = {r["ref"]: r for r in needs}
    offer_by = {r["ref"]: r for r in offers}
    labelled = Counter(label["need_ref"] for label in labels)
    for ref in need_by:
        if labelled[ref] != 1:
            err(f"need {ref}: {labelled[ref]} label rows (want exactly 1)")
    for label in labels:
        n = need_by.get(label["need_ref"])
        if n is None:
            err(f"label for unknown need {label['need_ref']}")
            continue
        if label["best_offer_ref"] == NO_ANSWER:
            if split(label["also_good"]):
                err(f"label {label['need_ref']}: a no-answer need lists also_good offers")
            continue
        goods = [label["best_offer_ref"]] + split(label["also_good"])
        if len(set(goods)) != len(goods):
            err(f"label {label['need_ref']}: best offer repeated in also_good")
        for o in goods:
            if o not in offer_by:
                err(f"label {label['need_ref']}: unknown offer {o}")
            elif not set(split(n["support_types"])) & set(split(offer_by[o]["support_types"])):
                err(f"label {label['need_ref']}: offer {o} shares no support type with the need")

    best_count = Counter(label["best_offer_ref"] for label in labels if label["best_offer_ref"] != NO_ANSWER)
    print(f"needs: {len(needs)}  offers: {len(offers)}  labels: {len(labels)}")
    print(f"no-answer needs: {sum(1 for label in labels if label['best_offer_ref'] == NO_ANSWER)}")
    print(f"offers used as best: {len(best_count)}  most shared best: {best_count.most_common(3)}")
    print(f"needs with also_good: {sum(1 for label in labels if split(label['also_good']))}")
    print(f"borough-wide offers: {sum(1 for o in offers if o['wards'] == 'borough-wide')}")

    tiers = Counter()
    print("\nneed  best  tier  offers sharing a support type in a better tier (must be unfit for purpose)")
    for label in labels:
        n = need_by.get(label["need_ref"])
        b = offer_by.get(label["best_offer_ref"])
        if n is None or b is None:
            continue
        nw, nt = split(n["wards"]), set(split(n["support_types"]))
        t = tier(nw, split(b["wards"]), adj)
        tiers[t] += 1
        better = [
            o["ref"] for o in offers if nt & set(split(o["support_types"])) and tier(nw, split(o["wards"]), adj) < t
        ]
        print(f"{label['need_ref']:<5} {b['ref']:<5} {t:<5} {' '.join(better)}")
    print(f"\nbest-offer location tiers: {dict(sorted(tiers.items()))}  (0 same, 1 neighbour, 2 borough-wide, 3 far)")

    if errors:
        print("\nERRORS:")
        for e in errors:
            print(" -", e)
        sys.exit(1)
    print("\nOK: no errors")


if __name__ == "__main__":
    main()
