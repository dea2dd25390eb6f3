"""The coordinator's file import: upload (move-ins, or their outcomes), a preview of every row's fate, then
confirm or discard."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tenants.imports import Kind, confirm_upload, discard_upload, preview_upload, upload_kind
from tenants.models import MoveInImport
from visits.coordination_forms import StyledForm
from visits.coordination_views import coordinator_required

# The preview lists new and unchanged rows up to this many; rejected and updated rows always in full.
LISTED_ROWS = 200


class UploadForm(StyledForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=Kind.choices,
        initial=Kind.MOVE_INS,
        widget=forms.RadioSelect,
        required=False,  # left out (as before outcomes were imported): move-ins
    )
    file = forms.FileField(
        label=gettext_lazy("file"),
        help_text=gettext_lazy(
            "CSV (semicolon or comma separated, UTF-8 or as Excel saves it) or Excel (.xlsx), one move-in "
            "or outcome per row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("All or nothing: save nothing if any row is rejected"), required=False
    )

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or Kind.MOVE_INS

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported at once. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
                code="too_large",
            )
        return upload


@coordinator_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload, _report = preview_upload(
                data=file.read(),
                filename=file.name,
                all_or_nothing=form.cleaned_data["all_or_nothing"],
                by=request.user,
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("coordination:import_detail", upload.id)
    recent = list(MoveInImport.objects.defer("content").select_related("uploaded_by")[:10])
    for item in recent:
        item.kind_label = Kind(upload_kind(item)).label  # type: ignore[attr-defined]
    return render(request, "coordination/import_upload.html", {"form": form, "recent": recent})


@coordinator_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, import_id: int) -> HttpResponse:
    upload = get_object_or_404(MoveInImport.objects.defer("content").select_related("uploaded_by"), id=import_id)
    if request.method == "POST":
        if request.POST.get("action") == "confirm":
            report = confirm_upload(upload_id=upload.id)
            if report is None:
                messages.warning(request, _("This file has already been imported or discarded."))
            elif report.saved:
                messages.success(request, report.summary())
            else:
                messages.error(request, report.summary())
        elif discard_upload(upload_id=upload.id):
            messages.info(request, _("The file was discarded; nothing was saved."))
        return redirect("coordination:import_detail", upload.id)
    report = upload.report
    rows = report.get("rows", [])
    by_fate = {
        fate: [row for row in rows if row["fate"] == fate] for fate in ("rejected", "updated", "new", "unchanged")
    }
    kind = upload_kind(upload)
    context = {
        "upload": upload,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "holds_move_ins": kind == Kind.MOVE_INS,
        "report": report,
        "rejected": by_fate["rejected"],
        "updated": by_fate["updated"],
        "new": by_fate["new"][:LISTED_ROWS],
        "unchanged": by_fate["unchanged"][:LISTED_ROWS],
        "more_new": max(0, len(by_fate["new"]) - LISTED_ROWS),
        "more_unchanged": max(0, len(by_fate["unchanged"]) - LISTED_ROWS),
        "can_confirm": upload.status == MoveInImport.Status.PREVIEWED
        and not (upload.all_or_nothing and by_fate["rejected"]),
        "previewing": upload.status == MoveInImport.Status.PREVIEWED,
    }
    return render(request, "coordination/import_detail.html", context)
