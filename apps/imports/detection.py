"""Finding the header row of a file and what each column holds; checking an explicit mapping."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from apps.core.errors import Unprocessable, ValidationFailed
from apps.imports import formats

HEADER_SCAN_ROWS = 50


@dataclass
class Detection:
    file_type: str
    encoding: str
    format: str = ""
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # field key -> header text
    columns: dict[str, int] = field(default_factory=dict)  # field key -> column index

    def as_dict(self) -> dict:
        return {
            "file_type": self.file_type,
            "encoding": self.encoding,
            "format": self.format,
            "header_line": self.header_line,
            "headers": self.headers,
            "mapping": self.mapping,
        }


def validate_mapping(mapping: dict | None) -> dict[str, str]:
    mapping = mapping or {}
    if not isinstance(mapping, dict):
        raise ValidationFailed("IMPORT_MAPPING_INVALID", _("mapping must be an object {field: header}."))
    unknown = sorted(key for key in mapping if not formats.is_known_field(key))
    if unknown or not all(isinstance(value, str) and value.strip() for value in mapping.values()):
        raise ValidationFailed(
            "IMPORT_MAPPING_INVALID",
            _("mapping names fields we do not know or gives an empty header."),
            {"unknownFields": unknown, "fields": sorted(formats.FIELD_KEYS)},
        )
    return {key: value.strip() for key, value in mapping.items()}


def detect_header(
    rows: list[tuple[int, list]], *, mapping: dict[str, str], file_type: str, encoding: str
) -> tuple[Detection, int]:
    """The header among the first rows: the first one that names a date column and a member column
    (or, with an explicit mapping, holds every mapped header). Returns it and its index in `rows`."""
    wanted = {formats.canonical(header): key for key, header in mapping.items()}
    for index, (line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        canonical = [formats.canonical(cell) for cell in cells]
        columns: dict[str, int] = {}
        for position, name in enumerate(canonical):
            key = formats.field_for_header(name)
            if key and key not in columns:
                columns[key] = position
        if wanted:
            if not set(wanted) <= set(canonical):
                continue
            for name, key in wanted.items():
                columns[key] = canonical.index(name)
        if "work_date" not in columns or not any(key in columns for key in formats.MEMBER_FIELDS):
            continue
        headers = ["" if cell is None else str(cell).strip().lstrip("\ufeff") for cell in cells]
        detection = Detection(file_type=file_type, encoding=encoding, header_line=line, headers=headers)
        detection.columns = dict(sorted(columns.items(), key=lambda item: item[1]))
        detection.mapping = {key: headers[position] for key, position in detection.columns.items()}
        if wanted:
            detection.format = "mapped"
        elif tuple(h for h in headers if h) == formats.TEMPLATE_HEADERS:
            detection.format = "template"
        elif index > 0 or formats.DINGTALK_MARKERS & set(columns) or "status" in columns:
            detection.format = "dingtalk_daily"
        else:
            detection.format = "custom"
        return detection, index
    if wanted:
        raise Unprocessable(
            "IMPORT_MAPPING_INVALID",
            _("No row among the first %(rows)s holds every header the mapping names.")
            % {"rows": HEADER_SCAN_ROWS},
            {"mapping": mapping},
        )
    raise Unprocessable(
        "IMPORT_NO_HEADER",
        _(
            "No header row found in the first %(rows)s rows: it needs a date column (日期) and a member "
            "column (UserId, 工号 or 姓名). Download the template to see the columns."
        )
        % {"rows": HEADER_SCAN_ROWS},
    )
