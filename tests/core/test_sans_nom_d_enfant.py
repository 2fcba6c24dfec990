"""Aucun nom d'enfant (RGPD, minimisation) : les collectifs ne portent que des effectifs, et
chaque texte libre où l'on écrit sur le projet, les enfants ou le dossier avertit « N'indiquez
pas de nom d'enfant », sous son libellé (aide du champ rendue par le gabarit DSFR, ou écrite
dans le gabarit par `{% sans_nom_d_enfant %}`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

import clas
from clas.core.forms import SANS_NOM_D_ENFANT
from clas.dossiers.models import Collectif, Intervenant
from tests.instruction.conftest import (  # noqa: F401
    decision_instruit,
    decision_proposition,
    dossier_depose,
    dossier_instruit,
)

pytestmark = pytest.mark.django_db

# Textes libres hors du sujet des enfants (qualifié par module.Formulaire.champ : pourquoi).
EXEMPTES = {
    "clas.api.forms.FormulaireJeton.reseaux": "adresses IP ou blocs CIDR",
    "clas.referentiel.forms.FormulaireParametres.motif": "référence de la circulaire du barème",
    "clas.referentiel.forms.FormulaireRefusParametres.motif_refus": "paramètres du barème",
    "clas.structures.forms.FormulaireRefusCoordonnees.motif": "titulaire et compte bancaires",
    "clas.structures.forms.FormulaireRefusTransfert.motif": "siège de la structure",
    "clas.versements.forms.FormulaireRefusCompte.motif": "compte bancaire de la Caf",
    "clas.versements.forms.FormulaireRejet.motif": "rejet bancaire d'un virement",
}


def _formulaires():
    """Chaque classe de formulaire définie dans le code de la plateforme."""
    vus = set()
    for module in pkgutil.walk_packages(clas.__path__, "clas."):
        if "management" in module.name or module.name.startswith("clas.demo"):
            continue
        contenu = importlib.import_module(module.name)
        for _, classe in inspect.getmembers(contenu, inspect.isclass):
            if (
                issubclass(classe, forms.BaseForm)
                and classe.__module__ == contenu.__name__
                and classe not in vus
            ):
                vus.add(classe)
                yield classe


def _zones_de_texte():
    for classe in _formulaires():
        for nom, champ in classe.base_fields.items():
            if isinstance(champ.widget, forms.Textarea):
                yield f"{classe.__module__}.{classe.__name__}.{nom}", champ


def test_chaque_texte_libre_avertit_de_ne_pas_nommer_d_enfant() -> None:
    zones = dict(_zones_de_texte())
    # Le parcours trouve bien les textes libres attendus (il ne passe pas à vide).
    for attendu in (
        "clas.dossiers.forms.FormulaireProjet.resume",
        "clas.dossiers.views.suivi.FormulaireMessage.texte",
        "clas.instruction.forms.FormulaireAnnotation.texte",
        "clas.instruction.forms.FormulaireMessageCaf.texte",
        "clas.bilans.forms.FormulaireBilan.evaluation_enfants",
    ):
        assert attendu in zones, attendu
    sans = [nom for nom, champ in zones.items() if nom not in EXEMPTES]
    manquants = [nom for nom in sans if SANS_NOM_D_ENFANT not in str(champ_aide(zones[nom]))]
    assert not manquants, f"sans l'avertissement : {manquants}"
    assert set(EXEMPTES) <= set(zones), "une exemption ne désigne plus aucun champ"


def champ_aide(champ: forms.Field) -> str:
    return str(champ.help_text)


def test_un_collectif_ne_porte_que_des_effectifs() -> None:
    """Aucun champ d'un collectif ne nomme un enfant : on compte les enfants, on nomme les
    intervenants (des adultes)."""
    noms = {champ.name for champ in Collectif._meta.get_fields()}
    assert "nb_enfants" in noms
    assert not [
        nom
        for nom in noms
        if "enfant" in nom
        and nom
        not in {
            "nb_enfants",
            "enfant_en_situation_de_handicap",  # une case à cocher, aucun nom
        }
    ]
    assert {champ.name for champ in Intervenant._meta.get_fields()} >= {"nom", "statut"}


class _Zones(HTMLParser):
    """Les zones de texte d'une page, et le texte du libellé de chacune."""

    def __init__(self) -> None:
        super().__init__()
        self.zones: list[str] = []
        self.libelles: dict[str, str] = {}
        self._pour: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        valeurs = dict(attrs)
        if tag == "textarea":
            self.zones.append(valeurs.get("id") or "")
        elif tag == "label":
            self._pour = valeurs.get("for") or ""
            self.libelles.setdefault(self._pour, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._pour = None

    def handle_data(self, data: str) -> None:
        if self._pour is not None:
            self.libelles[self._pour] += data


def verifier_page(reponse) -> int:
    assert reponse.status_code == 200
    page = _Zones()
    page.feed(reponse.content.decode())
    for zone in page.zones:
        assert SANS_NOM_D_ENFANT in " ".join(page.libelles.get(zone, "").split()), zone
    return len(page.zones)


def test_les_pages_de_la_structure_affichent_l_avertissement(porteur, dossier) -> None:
    assert verifier_page(porteur.get(reverse("dossier_etape", args=[dossier.pk, "projet"]))) == 8
    assert verifier_page(porteur.get(reverse("dossier_etape", args=[dossier.pk, "collectifs"])))


def test_le_message_de_la_structure_affiche_l_avertissement(porteur, dossier_depose) -> None:  # noqa: F811
    assert verifier_page(porteur.get(reverse("dossier_detail", args=[dossier_depose.pk]))) >= 1


def test_les_pages_de_la_caf_affichent_l_avertissement(
    instructeur,
    dossier_instruit,  # noqa: F811
) -> None:
    url = reverse("instruction_dossier", args=[dossier_instruit.pk])
    # annotation, message, compléments, proposition (3 zones), reprise…
    assert verifier_page(instructeur.get(url)) >= 5


def test_la_validation_affiche_l_avertissement(valideur, decision_proposition) -> None:  # noqa: F811
    url = reverse("instruction_dossier", args=[decision_proposition.dossier_id])
    assert verifier_page(valideur.get(url)) >= 2


GABARITS = Path(clas.__file__).parent / "templates"


def test_chaque_zone_de_texte_ecrite_dans_un_gabarit_porte_l_avertissement() -> None:
    """Une zone de texte écrite à la main (hors formulaire Django) a son avertissement dans
    le libellé : autant de `{% sans_nom_d_enfant %}` que de `<textarea`."""
    vus = []
    for gabarit in GABARITS.rglob("*.html"):
        contenu = gabarit.read_text(encoding="utf-8")
        zones = contenu.count("<textarea")
        if zones:
            vus.append(gabarit.name)
            assert contenu.count("{% sans_nom_d_enfant %}") == zones, gabarit
    assert {"_decision.html", "_avenant_caf.html", "examen.html"} <= set(vus)
