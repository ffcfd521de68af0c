"""Page shells. Each page is a template plus an ES module that reads the REST API.

A project page still goes through the access funnel so that a non-member gets 404 before
any script runs.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects.access import access_project
from projects.models import Role


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/project_list.html")


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    context = {"project": project, "role_label": Role(project.role).label}
    return render(request, "frontend/project_detail.html", context)


@login_required
def workspace(request: HttpRequest, project_id: int) -> HttpResponse:
    """The annotator's workspace: one snippet at a time, keyboard first."""
    project = access_project(request.user, project_id, min_role=Role.ANNOTATOR)
    labels = list(project.labels.values("name", "kind", "color", "hotkey", "description"))
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
