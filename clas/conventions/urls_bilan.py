"""Les adresses du bilan (voir conventions/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
