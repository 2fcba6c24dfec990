from django.urls import URLPattern, path

from . import views_files

urlpatterns: list[URLPattern] = [
    path("instruction/", views_files.files, name="instruction_files"),
]
