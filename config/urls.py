from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.throttles import throttled_login
from config.health import HealthView
from config.requests import IdConverter

register_converter(IdConverter, "id")  # before the apps' URL modules are read

# The admin's log-in counts against the same limits as every other (accounts.throttles).
admin.site.login = throttled_login(admin.site.login)  # type: ignore[method-assign]

api_v1 = [
    path("health/", HealthView.as_view(), name="health"),
    path("", include("accounts.urls")),
    path("", include("projects.urls")),
    path("", include("annotation.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]
