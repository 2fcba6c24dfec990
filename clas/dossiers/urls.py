"""Les URL des dossiers : la saisie (étapes du formulaire) et le suivi (page du dossier,
dépôt, messages, compléments)."""

from .urls_saisie import urlpatterns as saisie
from .urls_suivi import urlpatterns as suivi

urlpatterns = saisie + suivi
