"""Names kept in English and Chinese (leave types, holidays): a page shows the one of the viewer's language."""

from django.utils import translation


def in_viewers_language(name: str, name_zh: str) -> str:
    """`name_zh` when the active language is Chinese, else `name`; either falls back to the other when empty."""
    if (translation.get_language() or "").lower().startswith("zh"):
        return name_zh or name
    return name or name_zh
