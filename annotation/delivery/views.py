"""Exports: ask for one, follow it, download it and its dataset card (attachments)."""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.access import access_export, access_exporting
from annotation.admission import TooManyJobs
from annotation.delivery.formats import writer_for
from annotation.delivery.serializers import ExportCreateSerializer, ExportJobSerializer
from annotation.delivery.services import export_create
from annotation.delivery.storage import file_chunks, stored_chunks
from annotation.models import BatchStatus, ExportJob
from projects.models import Role


class ExportListView(APIView):
    @extend_schema(
        request=ExportCreateSerializer,
        responses={202: ExportJobSerializer, 200: ExportJobSerializer, 429: None},
    )
    def post(self, request: Request, project_id: int) -> Response:
        """Queue an export (a client's holds accepted batches only): 202. The same export
        of the asker still waiting to start is answered instead (200); past the heavy
        jobs one person or project may have waiting or running, 429 with the reason."""
        access = access_exporting(request.user, project_id)
        project = access.project
        given = ExportCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        asked = given.validated_data
        if access.role == Role.CLIENT and asked["status"] != "accepted":
            raise ValidationError({"status": [_("Clients export accepted batches only.")]})
        if access.role == Role.CLIENT and asked["version"] != "final":
            # every annotator's work names the annotators and their reviews: not delivered
            raise ValidationError({"version": [_("Clients export the final annotations only.")]})
        batches = project.batches.filter(id__in=asked["batches"])
        if access.role == Role.CLIENT:
            batches = batches.filter(status=BatchStatus.ACCEPTED)
        if batches.count() != len(set(asked["batches"])):
            raise Http404  # a batch of another project, or one a client may not see
        try:
            job, created = export_create(
                project=project,
                user=request.user,
                file_format=asked["format"],
                status=asked["status"],
                version=asked["version"],
                offsets=asked["offsets"],
                batch_ids=asked["batches"],
                language=request.LANGUAGE_CODE,
            )
        except TooManyJobs as refused:
            raise Throttled(detail=refused.reason) from None
        job.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(ExportJobSerializer(job).data, status=code)

    @extend_schema(responses=ExportJobSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        access = access_exporting(request.user, project_id)
        jobs = ExportJob.objects.filter(project=access.project).order_by("-id")
        if access.role == Role.CLIENT:
            jobs = jobs.filter(options__status="accepted")
        return Response(ExportJobSerializer(jobs[:50], many=True).data)


class ExportDetailView(APIView):
    @extend_schema(responses=ExportJobSerializer)
    def get(self, request: Request, export_id: int) -> Response:
        return Response(ExportJobSerializer(access_export(request.user, export_id)).data)


def _finished(job: ExportJob) -> None:
    if job.status != "succeeded":
        raise ValidationError({"status": [_("The export is not finished.")]})


class ExportDownloadView(APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(
                description="The file, as an attachment; gzip-encoded (Content-Encoding) "
                "for a client that accepts it."
            )
        }
    )
    def get(self, request: Request, export_id: int) -> StreamingHttpResponse:
        job = access_export(request.user, export_id)
        _finished(job)
        writer = writer_for(job.format)
        if _accepts_gzip(request):
            response = StreamingHttpResponse(stored_chunks(job), content_type=writer.content_type)
            response["Content-Encoding"] = "gzip"
            response["Content-Length"] = str(job.stored_size)
        else:
            response = StreamingHttpResponse(file_chunks(job), content_type=writer.content_type)
            response["Content-Length"] = str(job.size)
        patch_vary_headers(response, ["Accept-Encoding"])
        name = f"biaozhu-{job.project_id}-{job.id}-{job.format}.{writer.extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _accepts_gzip(request: Request) -> bool:
    """Whether Accept-Encoding names gzip with a weight above 0."""
    for coding in request.headers.get("Accept-Encoding", "").split(","):
        name, *params = (part.strip().lower() for part in coding.split(";"))
        if name != "gzip":
            continue
        weights = [param.removeprefix("q=") for param in params if param.startswith("q=")]
        try:
            return not weights or float(weights[0]) > 0
        except ValueError:
            return False
    return False


class ExportCardView(APIView):
    @extend_schema(responses={200: OpenApiResponse(description="README.md, as an attachment.")})
    def get(self, request: Request, export_id: int) -> HttpResponse:
        job = access_export(request.user, export_id)
        _finished(job)
        response = HttpResponse(job.card, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="README.md"'
        return response
