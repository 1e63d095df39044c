"""List every code of the vocabulary with its label, as `GET /api/v1/vocab` returns it (in the
request's language)."""

from resdir import vocab
from resdir.i18n import label


def _labels(pairs) -> list[dict]:
    return [{"code": code, "label": label(text)} for code, text in pairs]


def vocabulary() -> dict:
    """Return needs (with subcategories), barriers, values, attributes, genders, strengths and
    travel modes, each code with its label."""
    return {
        "needs": [
            {"code": code, "label": label(text), "subcategories": _labels(subs.items())}
            for code, (text, subs) in vocab.NEEDS.items()
        ],
        "barriers": _labels((code, b.label) for code, b in vocab.BARRIERS.items()),
        "values": _labels((code, v.label) for code, v in vocab.VALUES.items()),
        "attributes": [
            {"code": code, "label": label(a.label), "question": label(a.question)}
            for code, a in vocab.ATTRIBUTES.items()
        ],
        "genders": _labels(vocab.GENDERS.items()),
        "strengths": _labels(vocab.STRENGTHS.items()),
        "travel_modes": _labels(vocab.TRAVEL_MODES.items()),
    }
