"""Les adresses du paiements (voir conventions/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
