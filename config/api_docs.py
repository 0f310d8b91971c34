"""The API's documentation pages, served from local assets (drf-spectacular-sidecar) under our CSP."""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


# Redoc renders through styled-components, which adds <style> elements at run time; scripts stay 'self'.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}), name="dispatch")
class RedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"
