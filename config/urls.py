from django.urls import include, path
from django.views.generic import RedirectView

from clas.api.urls import api
from clas.api.views import documentation

urlpatterns = [
    path("", include("clas.core.urls")),
    path("", include("clas.comptes.urls")),
    path("", include("clas.simulateur.urls")),
    path("", include("clas.referentiel.urls")),
    path("", include("clas.structures.urls")),
    path("", include("clas.campagnes.urls")),
    path("", include("clas.dossiers.urls")),
    path("", include("clas.instruction.urls")),
    path("", include("clas.conventions.urls")),
    path("", include("clas.versements.urls")),
    path("", include("clas.bilans.urls")),
    path("", include("clas.statistiques.urls")),
    path("", include("clas.api.urls_compte")),
    path("", include("clas.rgpd.urls")),
    path("api/", documentation, name="api_documentation"),
    # L'ancienne adresse de la documentation (Swagger, en anglais) mène à la page française.
    path("api/v1/docs", RedirectView.as_view(pattern_name="api_documentation", permanent=True)),
    path("api/v1/", api.urls),
]

handler400 = "clas.core.views.requete_incorrecte"
handler404 = "clas.core.views.page_introuvable"
handler403 = "clas.core.views.acces_refuse"
handler500 = "clas.core.views.erreur_serveur"
