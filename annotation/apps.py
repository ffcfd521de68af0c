from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from annotation.labels import on_labels_renamed
        from projects.signals import labels_renamed

        labels_renamed.connect(on_labels_renamed, dispatch_uid="annotation.labels")
