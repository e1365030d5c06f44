"""Each request runs in its own work context (``context``): a request id — the proxy's ``X-Request-ID`` when it
is a plain token, else a new one — returned in the response's ``X-Request-ID`` header, and the town once the
tenancy middleware has found it. The principal is bound where it is resolved (the access middleware, the API)."""

from __future__ import annotations

from django.core.signals import request_finished
from django.dispatch import receiver

from . import context


class RequestContextMiddleware:
    """Starts the request's context. It is left in place when the response goes back through Django's handler
    (which logs 4xx and 5xx answers after every middleware has returned) and cleared when the request
    finishes (``request_finished``)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        context.start(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = context.current().request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


@receiver(request_finished)
def _request_finished(**_) -> None:
    context.clear()


class TownContextMiddleware:
    """After the tenancy middleware: the town of the host (the public host has none)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        town = getattr(request, "tenant", None)
        if town is not None and getattr(town, "schema_name", "public") != "public":
            context.bind_town(town)
        return self.get_response(request)
