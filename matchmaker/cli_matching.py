"""`matchmaker propose` and `matchmaker tune`: the matching engine from the command line."""

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("propose")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 50), help="Proposals kept per need.")
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON on standard output.")
@with_appcontext
def propose_command(top: int, as_json: bool) -> None:
    """Refresh the matching engine's proposals for every open need."""
    import json
    import sys
    import time

    from matchmaker.extensions import db
    from matchmaker.services.matching import refresh_all

    # With --json, standard output carries only the JSON; progress goes to standard error.
    say = (lambda m: click.echo(m, err=True)) if as_json else click.echo
    started = time.perf_counter()
    summary, proposals = refresh_all(
        top=top,
        progress=say,
        # A bar on standard error (just its label when that is not a terminal), so --json output stays clean.
        track=lambda blocks, label: click.progressbar(blocks, label=label, file=sys.stderr),
    )
    db.session.commit()
    say(f"Done in {time.perf_counter() - started:.1f}s: {summary}.")
    if as_json:
        from matchmaker.matching import confidence

        # The engine lists each need's proposals best first (equal scores by meaning, then room left): keep it.
        ordered = sorted(proposals, key=lambda p: p.need.id)
        sure = confidence.by_need(ordered)
        position: dict[str, int] = {}

        def confidence_of(p) -> float:
            index = position[p.need.key] = position.get(p.need.key, -1) + 1
            return sure[p.need.key][index]

        json.dump(
            {
                "proposals": [
                    {
                        "need_ref": p.need.key,
                        "offer_ref": p.offer.key,
                        "score": p.score,
                        "components": p.components,
                        "reason": p.reason,
                        "confidence": confidence_of(p),
                    }
                    for p in ordered
                ],
                # Needs whose best proposal is below the confidence threshold: officers see "no good match yet".
                "no_good_match": confidence.no_good_match(sure),
            },
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")


MIN_NEEDS = 10


@click.command("tune")
@click.option(
    "--labels",
    "labels",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A labelled set (needs.csv, offers.csv, labels.csv, as in seeds/eval) to learn from.",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--dry-run", is_flag=True, help="Report only; never save the weights.")
@with_appcontext
def tune_command(labels: Path | None, folds: int, dry_run: bool) -> None:
    """Fit the engine's weights to officers' decisions (or a labelled set), saving them only if they rank better
    under cross-validation."""
    from datetime import date

    from matchmaker.matching.evaluate import load_eval_set
    from matchmaker.matching.items import Context
    from matchmaker.matching.tuning import tune, tune_decisions
    from matchmaker.services.brokerage import engine_decisions
    from matchmaker.services.matching import engine, weights, weights_path

    if labels is None:
        decisions = engine_decisions()
        needs = len({d.need_id for d in decisions})
        if needs < MIN_NEEDS:
            raise click.ClickException(
                f"Officers have approved one proposal and rejected another for {needs} needs; at least {MIN_NEEDS} "
                "are needed to learn from. Until then, tune on a labelled set: matchmaker tune --labels seeds/eval"
            )
        click.echo(f"Learning from officers' decisions on {needs} needs, {folds}-fold cross-validation...")
        result = tune_decisions(decisions, weights(), folds=folds)
    else:
        today = date.today()
        data = load_eval_set(labels, today)
        click.echo(
            f"Learning from {len(data.gold)} decisions ({len(data.needs)} needs, {len(data.offers)} offers), "
            f"{folds}-fold cross-validation..."
        )
        result = tune(engine().fit(data.needs, data.offers, Context(today=today)), data.needs, data.gold, folds=folds)
    click.echo(f"  current weights: {result.before}")
    click.echo(f"  fitted weights:  {result.after}")
    if not result.better:
        click.echo("Not saved: the fitted weights do not rank better than the current ones.")
        return
    if dry_run:
        click.echo("Better, but not saved (--dry-run).")
        return
    path = weights_path()
    path.write_text(result.weights.to_json(), encoding="utf-8")
    click.echo(f"Saved to {path}. Run matchmaker propose to use them.")
