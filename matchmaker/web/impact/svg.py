"""Server-rendered SVG: the ward map and the two charts. No tiles, no scripts, no internet.

Every drawing has a <title> and <desc>, presentation attributes only (the Content-Security-Policy forbids
inline styles), a legend, and a data table beside it on the page: the table is the accessible version, the
drawing is for people who would rather look than read. Colours have at least 3:1 contrast against white
where they carry meaning, and the lowest band is hatched so it does not depend on colour alone.
"""

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

# ColorBrewer "Blues" (5 classes), from light to dark; outlines in GOV.UK black. Wards with nothing are hatched
# (white with grey lines), so "none" is told apart from "a little" without relying on colour.
SHADES = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
INK = "#0b0c0c"
GREY = "#505a5f"
# GOV.UK colours, each at least 3:1 against white, for the five priorities.
PRIORITY_COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#4c2c92", "#912b88")
FONT = 'font-family="Arial, Helvetica, sans-serif"'


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _money(value: float) -> str:
    return f"£{value:,.0f}"


def _month(text: str) -> str:
    """ "2026-04" -> "Apr 26"."""
    year, month = text.split("-")
    return (
        (["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][int(month) - 1])
        + " "
        + year[2:]
    )


# The map ---------------------------------------------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def bands(values: Sequence[float], count: int = len(SHADES)) -> list[tuple[float, float]]:
    """Equal-interval bands from 0 to the largest value, for the wards with more than nothing."""
    top = max(values, default=0)
    if top <= 0:
        return []
    step = top / count
    return [(i * step, (i + 1) * step) for i in range(count)]


def band_of(value: float, ranges: list[tuple[float, float]]) -> int:
    """-1 for nothing at all (hatched), else the band's index."""
    if value <= 0 or not ranges:
        return -1
    for i, (_, high) in enumerate(ranges):
        if value <= high:
            return i
    return len(ranges) - 1


def ward_map(
    wards: list[dict[str, Any]], metric: str, title: str, description: str, id_prefix: str = "map", width: int = 560
) -> Markup:
    """wards: dicts with name, boundary (GeoJSON geometry), value and label (the value in words)."""
    points = [p for w in wards for ring in _rings(w["boundary"] or {"type": "none"}) for p in ring]
    if not points:
        return Markup("")
    lat0 = sum(p[1] for p in points) / len(points)
    squash = math.cos(math.radians(lat0))  # a degree of longitude is shorter than one of latitude here
    xs = [p[0] * squash for p in points]
    ys = [-p[1] for p in points]
    left, top = min(xs), min(ys)
    scale = (width - 20) / (max(xs) - left)
    height = int((max(ys) - top) * scale) + 20
    ranges = bands([w["value"] for w in wards])
    legend_height = 26 * (len(ranges) + 1) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-figure__svg" viewBox="0 0 {width} '
        f'{height + legend_height}" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" {FONT}>',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        f'<defs><pattern id="{id_prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GREY}" stroke-width="1"/></pattern></defs>',
    ]
    for ward in wards:
        d = " ".join(
            "M"
            + " L".join(f"{(x * squash - left) * scale + 10:.1f},{(-y - top) * scale + 10:.1f}" for x, y in ring)
            + " Z"
            for ring in _rings(ward["boundary"])
        )
        band = band_of(ward["value"], ranges)
        fill = f"url(#{id_prefix}-hatch)" if band < 0 else SHADES[band]
        parts.append(
            f'<path d="{d}" fill="{fill}" stroke="{INK}" stroke-width="1" stroke-linejoin="round">'
            f"<title>{escape(ward['name'])}: {escape(ward['label'])}</title></path>"
        )
    y = height + 10
    parts.append(
        f'<text x="10" y="{y + 12}" font-size="14" fill="{INK}" font-weight="bold">Key: {escape(metric)}</text>'
    )
    keys = [(f"url(#{id_prefix}-hatch)", "None")] + [
        (SHADES[i], f"more than {_fmt(low)}, up to {_fmt(high)}" if i else f"up to {_fmt(high)}")
        for i, (low, high) in enumerate(ranges)
    ]
    for i, (fill, text) in enumerate(keys):
        row = y + 24 + i * 26
        parts.append(
            f'<rect x="10" y="{row}" width="30" height="18" fill="{fill}" stroke="{INK}"/>'
            f'<text x="48" y="{row + 14}" font-size="14" fill="{INK}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# Charts ----------------------------------------------------------------------------------------------------


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def stacked_bars(
    months: list[str],
    series: list[dict[str, Any]],
    title: str,
    description: str,
    id_prefix: str = "chart-priority",
    width: int = 640,
    height: int = 300,
) -> Markup:
    """Verified value by priority, one stacked column a month, with a legend (the table beside it has the numbers)."""
    totals = [sum(s["values"][i] for s in series) for i in range(len(months))]
    top = _nice_top(max(totals, default=0))
    left, bottom, plot_top = 70, height - 40, 10
    plot_width = width - left - 10
    slot = plot_width / max(len(months), 1)
    bar = max(slot * 0.6, 2)
    legend_y = height + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-figure__svg" viewBox="0 0 {width} '
        f'{height + 30 + 22 * len(series)}" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" {FONT}>',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]
    for tick in range(5):
        value = top * tick / 4
        y = bottom - (bottom - plot_top) * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{INK}">'
            f"{escape(_money(value))}</text>"
        )
    for i, month in enumerate(months):
        x = left + i * slot + (slot - bar) / 2
        y = bottom
        for colour, s in zip(PRIORITY_COLOURS, series, strict=False):
            h = (bottom - plot_top) * s["values"][i] / top
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}" '
                    f'stroke="#ffffff" stroke-width="1"><title>{escape(s["label"])}, {escape(month)}: '
                    f"{escape(_money(s['values'][i]))}</title></rect>"
                )
        if len(months) <= 12 or i % math.ceil(len(months) / 12) == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" font-size="12" text-anchor="middle" '
                f'fill="{INK}">{escape(_month(month))}</text>'
            )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>')
    for i, (colour, s) in enumerate(zip(PRIORITY_COLOURS, series, strict=False)):
        row = legend_y + i * 22
        parts.append(
            f'<rect x="{left}" y="{row}" width="16" height="16" fill="{colour}"/>'
            f'<text x="{left + 24}" y="{row + 13}" font-size="14" fill="{INK}">{escape(s["label"])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def progress_bars(
    rows: list[dict[str, Any]], title: str, description: str, id_prefix: str = "chart-contracts", width: int = 640
) -> Markup:
    """One bar a contract: the outline is everything committed, the fill the share delivered and verified."""
    rows = [r for r in rows if r.get("share_verified") is not None]
    label_width, bar_left = 200, 210
    bar_width = width - bar_left - 70
    height = 30 * len(rows) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-figure__svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" {FONT}>',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]
    for i, r in enumerate(rows):
        y = 10 + i * 30
        share = max(min(r["share_verified"], 1.0), 0.0)
        label = r["ref"] if len(r["ref"]) <= 26 else r["ref"][:25] + "…"
        parts.append(
            f'<text x="{label_width}" y="{y + 15}" font-size="13" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{bar_left}" y="{y}" width="{bar_width}" height="20" fill="#ffffff" stroke="{INK}"/>'
            f'<rect x="{bar_left}" y="{y}" width="{bar_width * share:.1f}" height="20" fill="{SHADES[4]}">'
            f"<title>{escape(r['ref'])}: {share * 100:.0f}% of commitments delivered and verified</title></rect>"
            f'<text x="{bar_left + bar_width + 6}" y="{y + 15}" font-size="13" fill="{INK}">'
            f"{share * 100:.0f}%</text>"
        )
    y = 10 + len(rows) * 30
    parts.append(
        f'<rect x="{bar_left}" y="{y + 4}" width="16" height="14" fill="#ffffff" stroke="{INK}"/>'
        f'<text x="{bar_left + 22}" y="{y + 16}" font-size="13" fill="{INK}">committed</text>'
        f'<rect x="{bar_left + 110}" y="{y + 4}" width="16" height="14" fill="{SHADES[4]}"/>'
        f'<text x="{bar_left + 132}" y="{y + 16}" font-size="13" fill="{INK}">delivered and verified</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
