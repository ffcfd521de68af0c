"""Page shells. Each page is a template plus an ES module that reads the REST API.

A project page still goes through the access funnel so that a non-member gets 404 before
any script runs.
"""

from functools import partial

from django import forms
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import UsersRefused, password_change, password_choose
from accounts.throttles import login_allowed
from annotation.access import CLIENT_BATCHES, access_acceptance, access_exporting
from annotation.delivery.formats import EXPORT_FORMATS
from annotation.models import Batch, BatchStatus, QualityRun
from annotation.quality.selectors import (
    annotator_quality,
    qualification,
    quality_run_latest,
    quality_run_list,
    submissions_per_day,
)
from annotation.suggesting.selectors import models_latest
from frontend import charts as charts_svg
from projects.access import access_project
from projects.models import Project, Role


class LoginView(auth_views.LoginView):
    """The log-in form; too many attempts from one address get 429 and a plain reason."""

    template_name = "frontend/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict:
        return {**super().get_context_data(**kwargs), "mail_reset": bool(settings.EMAIL_HOST)}

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not login_allowed(request, self):
            reason = _("Too many attempts to log in. Wait a minute and try again.")
            context = self.get_context_data(form=self.get_form(), throttled=reason)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class _MailOnly:
    """A page of the password reset by e-mail: there only when a mail server is set."""

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not settings.EMAIL_HOST:
            raise Http404
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class PasswordResetView(_MailOnly, auth_views.PasswordResetView):
    """Ask for a reset link by e-mail address; counted like log-ins (too many: 429)."""

    template_name = "frontend/password_reset.html"
    email_template_name = "frontend/password_reset_email.txt"
    subject_template_name = "frontend/password_reset_subject.txt"
    success_url = reverse_lazy("frontend:password-reset-sent")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not login_allowed(request, self):
            reason = _("Too many attempts. Wait a minute and try again.")
            context = self.get_context_data(form=self.get_form(), throttled=reason)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(_MailOnly, auth_views.PasswordResetDoneView):
    template_name = "frontend/password_reset_sent.html"


class ChosenPasswordForm(SetPasswordForm):
    """The new password of a reset: the user's own (accounts.services.password_choose)."""

    def save(self, commit: bool = True) -> User:
        password_choose(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class PasswordResetConfirmView(_MailOnly, auth_views.PasswordResetConfirmView):
    template_name = "frontend/password_reset_confirm.html"
    form_class = ChosenPasswordForm
    success_url = reverse_lazy("frontend:login")


class PasswordForm(forms.Form):
    old_password = forms.CharField(strip=False, max_length=128, widget=forms.PasswordInput)
    new_password = forms.CharField(strip=False, max_length=128, widget=forms.PasswordInput)
    repeated = forms.CharField(strip=False, max_length=128, widget=forms.PasswordInput)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") != data.get("repeated"):
            raise forms.ValidationError(_("The two new passwords differ."))
        return data


@login_required
def password(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the only page for someone whose password was given to
    them (accounts.middleware), until they have."""
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except UsersRefused as refused:
            for error in refused.errors:
                form.add_error(None, error["reason"])
        else:
            update_session_auth_hash(request, request.user)
            return redirect("frontend:project-list")
    return render(request, "frontend/password.html", {"form": form})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The site's accounts, for site staff: make them one by one or from a CSV file,
    deactivate, give a temporary password."""
    if not request.user.is_staff:
        raise PermissionDenied
    return render(request, "frontend/people.html", {"setup": {"me": request.user.id}})


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/project_list.html")


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_project(request.user, project_id)
    project, role = access.project, access.role
    context = {"project": project, "role": role.value, "role_label": role.label}
    if role in (Role.CLIENT, Role.MANAGER):  # batches to accept, and accepted
        batches = Batch.objects.filter(project=project).order_by("id")
        if role == Role.CLIENT:
            batches = batches.filter(status__in=CLIENT_BATCHES)
        context["deliveries"] = batches
    return render(request, "frontend/project_detail.html", context)


@login_required
def workspace(request: HttpRequest, project_id: int) -> HttpResponse:
    """The annotator's workspace: one snippet at a time, keyboard first."""
    project = access_project(request.user, project_id, min_role=Role.ANNOTATOR).project
    labels = list(
        project.labels.values(
            *("name", "kind", "color", "hotkey", "description", "directed"),
            *("subject_labels", "object_labels", "trigger_label", "roles"),
        )
    )
    setup = {
        "project": project.id,
        "kinds": project.kinds,
        "labels": labels,
        "multi_label": project.multi_label,
        "allow_overlap": project.allow_overlap,
        "snap_to_tokens": project.snap_to_tokens,
    }
    context = {"project": project, "setup": setup}
    return render(request, "frontend/workspace.html", context)


def _marking_setup(project: Project) -> dict:
    """What the pages showing finished work (marked_text.js) need: labels and colours."""
    labels = project.labels.values("name", "color", "kind", "directed")
    return {"project": project.id, "labels": list(labels)}


@login_required
def acceptance(request: HttpRequest, project_id: int, batch_id: int) -> HttpResponse:
    """A batch's acceptance check (验收), for its client and managers (reviewers look)."""
    batch = access_acceptance(request.user, batch_id)
    if batch.project_id != project_id:
        raise Http404
    access = access_project(request.user, project_id)
    project = access.project
    setup = {
        **_marking_setup(project),
        "batch": batch.id,
        "accepting": batch.status == BatchStatus.ACCEPTING,
    }
    context = {
        "project": project,
        "batch": batch,
        "setup": setup,
        "can_mark": access.role in (Role.CLIENT, Role.MANAGER),
    }
    return render(request, "frontend/acceptance.html", context)


@login_required
def review(request: HttpRequest, project_id: int) -> HttpResponse:
    """The reviewer's queue (质检): accept or send back, one piece of work at a time."""
    project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
    setup = _marking_setup(project)
    return render(request, "frontend/review.html", {"project": project, "setup": setup})


@login_required
def adjudicate(request: HttpRequest, project_id: int) -> HttpResponse:
    """Adjudication (裁决): disagreements side by side, the final annotation settled."""
    project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
    setup = _marking_setup(project)
    batches = Batch.objects.filter(project=project).order_by("id")
    context = {"project": project, "setup": setup, "batches": batches}
    return render(request, "frontend/adjudicate.html", context)


@login_required
def quality_dashboard(request: HttpRequest, project_id: int) -> HttpResponse:
    """Quality at a glance (reviewers and managers): charts drawn here as SVG from the
    quality selectors, and the per-annotator table."""
    project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
    qualified = qualification(project=project)
    batches = qualified["batches"]
    people = annotator_quality(project=project, qualified=qualified)
    run = quality_run_latest(project=project)
    results = run.results if run else {}
    threshold = project.acceptance_threshold
    against_threshold = partial(
        charts_svg.bars,
        maximum=100,
        unit="%",
        threshold=threshold,
        threshold_label=_("threshold %(value)s%%") % {"value": f"{threshold:g}"},
    )
    charts = {
        "progress": charts_svg.columns(
            submissions_per_day(project=project), title=_("Snippets submitted per day")
        ),
        "qualification": against_threshold(
            [(row["name"] or "–", row["rate"]) for row in batches],
            title=_("Qualification rate per batch"),
        )
        if batches
        else "",
        "review_rates": against_threshold(
            [(row["username"], row["review_rate"]) for row in people],
            title=_("Accepted in review, per annotator"),
        )
        if people
        else "",
    }
    for chart, part, by, title in (
        ("span_agreement", "spans", "labels", _("Span agreement per label (exact F1)")),
        ("relation_agreement", "relations", "types", _("Relation agreement per type (exact F1)")),
    ):
        figures = results.get(part, {}).get(by, {})
        if figures:
            charts[chart] = charts_svg.bars(
                [(name, _percent(each["f1_exact"])) for name, each in figures.items()],
                maximum=100,
                unit="%",
                title=title,
            )
    class_labels = results.get("classes", {}).get("labels", {})
    if class_labels:
        charts["class_agreement"] = charts_svg.bars(
            [(name, _kappa(figures["cohen_kappa"])) for name, figures in class_labels.items()],
            maximum=1,
            title=_("Class agreement per label (Cohen's κ)"),
        )
    waiting = quality_run_list(project=project).exclude(status__in=QualityRun.FINISHED).first()
    context = {
        "project": project,
        "charts": {name: mark_safe(svg) for name, svg in charts.items()},  # escaped in charts
        "people": people,
        "batches": batches,
        "run": run,
        "results": results,
        "consistency": results.get("consistency", {}),
        "suggestion_use": results.get("suggestions", {}),
        "models": models_latest(project=project),
        "setup": {"project": project.id, "running": waiting.id if waiting else None},
    }
    return render(request, "frontend/quality.html", context)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _kappa(value: float | None) -> float | None:
    return None if value is None else round(value, 3)  # below 0: a stub of a bar, the value


# What each export format is, for the downloads page.
FORMAT_NAMES = {
    "jsonl": _("JSONL, ours: spans, classes, segmentation, relations, who and which revision"),
    "doccano": _("doccano JSONL"),
    "doccano-relation": _("doccano relation JSONL (entities and relations, for UIE)"),
    "duie": _("DuIE 2.0 JSONL (relation triples, no offsets)"),
    "duee": _("DuEE 1.0 JSONL (events)"),
    "label-studio": _("Label Studio JSON (regions, relations and choices)"),
    "brat": _("brat standoff: a zip of .txt and .ann files (spans, relations, events)"),
    "conll-bio": _("CoNLL, a character a line, BIO tags"),
    "conll-bioes": _("CoNLL, a character a line, BIOES tags"),
    "conll-bmes": _("CoNLL, a character a line, BMES tags"),
    "cluener": _("CLUENER JSON (inclusive ends)"),
    "segmented": _("Segmented text, words separated by spaces"),
    "word-pos": _("Words with part-of-speech tags (word/tag)"),
    "csv": _("CSV of classes"),
}


@login_required
def downloads(request: HttpRequest, project_id: int) -> HttpResponse:
    """Exports to ask for and download, and the caller's API token for scripts (clients,
    reviewers and managers; a client sees accepted batches only)."""
    access = access_exporting(request.user, project_id)
    project = access.project
    batches = Batch.objects.filter(project=project).order_by("id")
    if access.role == Role.CLIENT:
        batches = batches.filter(status=BatchStatus.ACCEPTED)
    setup = {"project": project.id, "client": access.role == Role.CLIENT}
    context = {
        "project": project,
        "setup": setup,
        "batches": batches,
        "formats": [(name, FORMAT_NAMES[name]) for name in EXPORT_FORMATS],
        "api_root": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "frontend/downloads.html", context)
