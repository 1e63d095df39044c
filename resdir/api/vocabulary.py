"""List every code of the vocabulary with its English label, as `GET /api/v1/vocab` returns it."""

from resdir import vocab


def _labels(pairs) -> list[dict]:
    return [{"code": code, "label": label} for code, label in pairs]


def vocabulary() -> dict:
    """Return needs (with subcategories), barriers, values, attributes, genders, strengths and
    travel modes, each code with its English label."""
    return {
        "needs": [
            {"code": code, "label": label, "subcategories": _labels(subs.items())}
            for code, (label, subs) in vocab.NEEDS.items()
        ],
        "barriers": _labels((code, b.label) for code, b in vocab.BARRIERS.items()),
        "values": _labels((code, v.label) for code, v in vocab.VALUES.items()),
        "attributes": [
            {"code": code, "label": a.label, "question": a.question}
            for code, a in vocab.ATTRIBUTES.items()
        ],
        "genders": _labels(vocab.GENDERS.items()),
        "strengths": _labels(vocab.STRENGTHS.items()),
        "travel_modes": _labels(vocab.TRAVEL_MODES.items()),
    }
