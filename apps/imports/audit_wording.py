"""How imports' operation-log entries read in the audit viewer (apps/audit/wording.py)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.access.models import Organization
from apps.audit.wording import register_target_namer, register_wordings
from apps.imports.models import ImportBatch, Upload


def _ids(ids: list[str]) -> list[int]:
    return [int(value) for value in ids if value.isascii() and value.isdigit() and len(value) < 19]


def _named(model):
    def namer(ids: list[str], organization: Organization) -> dict[str, str]:
        rows = model.objects.filter(organization=organization, pk__in=_ids(ids)).only("pk", "filename")
        return {
            str(row.pk): gettext("the file %(name)s") % {"name": row.filename} if row.filename else ""
            for row in rows
        }

    return namer


def register() -> None:
    register_target_namer("imports.importbatch", _named(ImportBatch))
    register_target_namer("imports.upload", _named(Upload))
    batch = _("an import")
    register_wordings(
        "imports",
        {
            "imports.upload.create": (_("%(actor)s uploaded %(target)s"), _("a file")),
            "imports.commit_token.create": _("%(actor)s started an import"),
            "imports.batch.commit": (_("%(actor)s imported %(target)s"), batch),
            "imports.batch.retry": (_("%(actor)s retried the import of %(target)s"), batch),
            "imports.batch.rollback": (_("%(actor)s rolled back the import of %(target)s"), batch),
            "imports.jobs.recover": _("Import jobs left behind by a stopped process were recovered"),
            "imports.upload.purge": _("Old uploaded files were removed"),
        },
    )
