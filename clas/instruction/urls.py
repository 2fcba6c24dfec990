"""Les URL de l'instruction : files de travail, dossier côté Caf, décisions."""

from .urls_decision import urlpatterns as decision
from .urls_dossier import urlpatterns as dossier
from .urls_files import urlpatterns as files

urlpatterns = files + dossier + decision
