from __future__ import annotations

from decimal import Decimal

from django import template

from clas.bareme import formater_euros
from clas.dossiers.models import Dossier
from clas.instruction.calcul import convertir
from clas.instruction.models import Correction

register = template.Library()


def _affichee(correction: Correction) -> str:
    valeur = convertir(correction.champ, correction.valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Decimal):
        return formater_euros(valeur)
    return str(valeur)


@register.simple_tag
def corrections_retenues(dossier: Dossier) -> list[dict[str, str]]:
    """Les corrections de la Caf qui s'appliquent (la dernière par collectif et par champ),
    pour expliquer la décision à la structure. Une requête."""
    dernieres: dict[tuple[int | None, str], Correction] = {}
    for correction in (
        Correction.objects.filter(dossier=dossier)
        .select_related("collectif")
        .order_by("created_at", "id")
    ):
        dernieres[(correction.collectif_id, correction.champ)] = correction
    return [
        {
            "objet": str(c.collectif) if c.collectif else "Budget du projet",
            "champ": c.get_champ_display(),
            "valeur": _affichee(c),
            "motif": c.motif,
        }
        for c in dernieres.values()
    ]
