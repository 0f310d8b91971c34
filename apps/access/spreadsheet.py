"""CSV cells that a spreadsheet will not run: a cell starting with = + - @ (or a tab / carriage return
that hides one) is prefixed with an apostrophe, as OWASP recommends against CSV injection."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
