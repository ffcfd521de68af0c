from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.access import access_import, access_snippet
from annotation.admission import TooManyJobs
from annotation.ingest.services import ImportInUse, import_create, import_delete
from annotation.ingest.tokenizer import UserWord
from annotation.ingest.tokenizing import tokenizer_config, tokenizer_update
from annotation.selectors import import_list, snippet_list, tokenize_run_latest
from annotation.serializers import (
    ImportCreateSerializer,
    ImportJobSerializer,
    SnippetSerializer,
    TokenizerSerializer,
)
from projects.access import access_project
from projects.models import Role


class ImportListView(generics.ListAPIView):
    """A project's imports (managers); POST a file to start one."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        project = access_project(
            self.request.user, self.kwargs["project_id"], min_role=Role.MANAGER
        ).project
        return import_list(project=project)

    @extend_schema(request=ImportCreateSerializer, responses={202: ImportJobSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = ImportCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        limit = settings.BIAOZHU_UPLOAD_MAX_BYTES
        if given.validated_data["file"].size > limit:
            reason = _("The file is larger than %(size)s MB, the most an import takes.")
            return Response(
                {"file": [reason % {"size": limit // (1024 * 1024)}]},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            job = import_create(
                project=project,
                user=request.user,
                upload=given.validated_data["file"],
                file_format=given.validated_data.get("format") or "",
                text_column=given.validated_data["text_column"],
                title_column=given.validated_data["title_column"],
                annotations=given.validated_data["annotations"],
                clean=given.validated_data["clean"],
            )
        except TooManyJobs as refused:
            raise Throttled(detail=refused.reason) from None
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    """An import (managers); DELETE removes it and all it made, while none of its
    snippets was handed to an annotator (else 409 with the reason): ``{articles,
    snippets, batches}`` gone."""

    @extend_schema(responses=ImportJobSerializer)
    def get(self, request: Request, import_id: int) -> Response:
        return Response(ImportJobSerializer(access_import(request.user, import_id)).data)

    @extend_schema(responses={200: None, 409: None})
    def delete(self, request: Request, import_id: int) -> Response:
        job = access_import(request.user, import_id)
        try:
            gone = import_delete(job=job)
        except ImportInUse as refused:
            return Response({"detail": refused.reason}, status=status.HTTP_409_CONFLICT)
        return Response(gone)


class SnippetListView(generics.ListAPIView):
    """A project's snippets with their token hints (reviewers and managers)."""

    serializer_class = SnippetSerializer

    def get_queryset(self):
        project = access_project(
            self.request.user, self.kwargs["project_id"], min_role=Role.REVIEWER
        ).project
        return snippet_list(project=project)


class SnippetDetailView(APIView):
    @extend_schema(responses=SnippetSerializer)
    def get(self, request: Request, snippet_id: int) -> Response:
        return Response(SnippetSerializer(access_snippet(request.user, snippet_id)).data)


class TokenizerView(APIView):
    """The project's jieba settings: HMM on/off and the user dictionary (managers)."""

    def _body(self, project, run=None) -> dict:
        config = tokenizer_config(project)
        return TokenizerSerializer(
            {
                "engine": config.engine,
                "hmm": config.hmm,
                "words": [
                    {"word": w.word, "freq": w.freq, "tag": w.tag or ""} for w in config.words
                ],
                "version": config.version,
                "run": run or tokenize_run_latest(project=project),
            }
        ).data

    @extend_schema(responses=TokenizerSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        return Response(self._body(project))

    @extend_schema(request=TokenizerSerializer, responses={200: TokenizerSerializer})
    def put(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = TokenizerSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        words = [
            UserWord(w["word"], w["freq"], w["tag"] or None) for w in given.validated_data["words"]
        ]
        tokenizer_update(
            project=project,
            hmm=given.validated_data["hmm"],
            words=words,
            engine=given.validated_data["engine"],
        )
        project.refresh_from_db()
        return Response(self._body(project))
