"""Les adresses du regularisation (voir conventions/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
