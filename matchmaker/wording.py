"""Words that depend on a number or sit inside a sentence: one helper for each, used by pages, emails and the CLI,
so that "1 needs matched" or a doubled full stop cannot come back in one place while fixed in another."""


def plural(count: int, singular: str, plural_form: str | None = None, *, number: bool = True) -> str:
    """1 need, 2 needs, 1,250 needs; number=False gives the word alone ("need"/"needs") for a figure shown apart."""
    word = singular if count == 1 else (plural_form or singular + "s")
    if not number:
        return word
    return f"{count:,} {word}" if isinstance(count, int) else f"{count} {word}"


def clause(text: str) -> str:
    """Someone's sentence made part of ours: "Because " + clause("The group closed.") + "." reads "Because the group
    closed.", never "The group closed..". Trailing full stops and spaces go; a leading capital is lowered unless
    the first word is an acronym ("NHS") or the pronoun "I"."""
    text = (text or "").strip().rstrip(".").rstrip()
    first = text.split(" ", 1)[0]
    if not text or first.isupper() or first == "I":
        return text
    return text[0].lower() + text[1:]
