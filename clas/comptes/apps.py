from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest


def _session_ouverte(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from .sessions import ouvrir

    ouvrir(request, user)


def _session_fermee(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from .sessions import oublier

    oublier(request)


class ComptesConfig(AppConfig):
    name = "clas.comptes"
    verbose_name = "Comptes et rôles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # La liste des sessions ouvertes suit connexions et déconnexions (comptes/sessions.py).
        user_logged_in.connect(_session_ouverte, dispatch_uid="clas_session_ouverte")
        user_logged_out.connect(_session_fermee, dispatch_uid="clas_session_fermee")
