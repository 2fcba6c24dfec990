"""Ce qui est en retard après la décision : les bilans non déposés à la date limite, les
indus non remboursés à l'échéance. Une condition par sujet, partagée par les listes de la
Caf (filtre `?en_retard=1`) et la page de travail de la Caf (les nombres)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from clas.dossiers.models import EtatDossier

from .models import EtatBilan, EtatIndu


def condition_bilan_en_retard(aujourd_hui: dt.date | None = None) -> Q:
    """Sur les conventions : signée, dossier accepté, date limite du bilan passée, bilan
    jamais commencé ou resté brouillon (la même règle que le rappel « bilan en retard »)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return (
        Q(signee_le__isnull=False)
        & Q(dossier__etat=EtatDossier.ACCEPTE)
        & Q(date_limite_bilan__lt=aujourd_hui)
        & (Q(bilan__isnull=True) | Q(bilan__etat=EtatBilan.BROUILLON))
    )


def condition_indu_en_retard(aujourd_hui: dt.date | None = None) -> Q:
    """Sur les indus : encore à rembourser après l'échéance."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return Q(etat=EtatIndu.OUVERT) & Q(echeance__lt=aujourd_hui)
