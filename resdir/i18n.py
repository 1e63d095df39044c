"""Speak the person's language: English by default, Spanish when the browser or the switch asks.

Texts are English in the code and the templates; `resdir/translations/<lang>/LC_MESSAGES/
messages.po` holds their translations, vocabulary labels included (`extract_vocabulary` lists
them for `make messages`). A `?lang=es` link switches the language and a cookie keeps the choice;
otherwise the browser's Accept-Language decides.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from babel.dates import format_datetime, format_time
from babel.lists import format_list
from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext

__all__ = ["_", "_l", "clock", "in_sentence", "label", "language", "ngettext", "weekday", "words"]
_ = gettext
_l = lazy_gettext  # for texts defined at import time, translated when shown

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    """Return the language of this request: the switch, the kept choice, or the browser's
    (English for work outside a request: the CLI, tests)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def language() -> str:
    """Return the code of the language this request is answered in ("en", "es")."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def label(text: str) -> str:
    """Return a vocabulary label (kept in English in resdir.vocab) in the request's language."""
    return gettext(text)


def in_sentence(text: str) -> str:
    """Return a label as it reads inside a sentence: "Secular" -> "secular", "Has Medicaid" ->
    "has Medicaid"; an abbreviation keeps its capitals ("LGBTQ+ affirming", "MOUD")."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def clock(moment: datetime) -> str:
    """Return a time of day as people of the request's language write it: "7:30 PM", "19:30"."""
    # CLDR puts a narrow no-break space before AM/PM; a plain one reads and copies the same.
    return format_time(moment, "short", locale=language()).replace("\u202f", " ")


def weekday(moment: datetime) -> str:
    """Return the day of the week in the request's language: "Tuesday", "martes"."""
    return format_datetime(moment, "EEEE", locale=language())


def words(items: list[str]) -> str:
    """Return items joined as a sentence does: "a, b and c", "a, b y c"."""
    return format_list(items, locale=language())


def switch_url(code: str) -> str:
    """Return this page's address in another language: a GET keeps its query (a shared search
    stays the same search); for a form's answer it is the bare page, where the page's switch
    posts the form again when it gives its fields (the public search's `repost`)."""
    args = request.args.to_dict(flat=False) if request.method == "GET" else {}
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _remember_choice(response: Response) -> Response:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Translate templates and code for each request; remember a language switch."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.jinja_env.globals.update(
        label=label, language=language, switch_url=switch_url, LANGUAGES=LANGUAGES
    )


def _texts(node) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("label", "question") and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def extract_vocabulary(fileobj, keywords, comment_tags, options):
    """Yield every vocabulary label and question for Babel's extraction (babel.cfg)."""
    from resdir import vocab
    from resdir.api.vocabulary import vocabulary

    texts = [*_texts(vocabulary()), *vocab.CATEGORY_LABELS.values()]
    for text in dict.fromkeys(texts):
        yield 0, "gettext", text, []
