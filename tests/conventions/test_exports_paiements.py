"""Les exports des versements (/paiements/export.*) et des indus (/paiements/indus/export.*) :
une ligne par objet, le périmètre de la personne, les filtres de la page, montants en
nombres, requêtes en nombre constant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clas.bilans.models import Indu, Remboursement
from clas.versements.models import EtatVersement
from tests.conftest import PERSONAS
from tests.core.lecture_exports import cellules_xlsx, contenu, dictionnaires_csv
from tests.instruction.outils import creer_campagne

from .paiements_fabrique import convention_signee

# Marqué ici (pas seulement par les fixtures) : pytest-django lance ces tests avec ceux qui
# ont la base, avant les tests transactionnels qui la vident.
pytestmark = pytest.mark.django_db

VERSEMENTS_CSV = reverse("paiements_export", args=["csv"])
VERSEMENTS_XLSX = reverse("paiements_export", args=["xlsx"])
INDUS_CSV = reverse("indus_export", args=["csv"])
INDUS_XLSX = reverse("indus_export", args=["xlsx"])

ATTENDU = {
    "anonyme": 302,
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


def _indu(versement, montant: str, echeance: dt.date, rembourse: str | None = None) -> Indu:
    indu = Indu.objects.create(
        convention=versement.convention,
        montant=Decimal(montant),
        motif="Bilan inférieur aux versements",
        echeance=echeance,
    )
    if rembourse:
        Remboursement.objects.create(
            indu=indu,
            montant=Decimal(rembourse),
            recu_le=timezone.localdate(),
            enregistre_par=versement.convention.decision.valideur,
        )
    return indu


@pytest.fixture
def paiements_jeu(caf_rhone, caf_somme, utilisateurs):
    """Deux versements du Rhône (un à valider, un validé) avec un indu chacun (l'un en
    retard, l'autre à moitié remboursé), et un versement de la Somme avec son indu."""
    instructeur, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=valideur)
    a_valider = convention_signee(
        caf_rhone, instructeur, valideur, "4500.00", campagne=campagne, nom="=Lyon Nord"
    )
    valide = convention_signee(
        caf_rhone,
        instructeur,
        valideur,
        "2000.00",
        etat=EtatVersement.VALIDE,
        campagne=campagne,
        nom="Bron Sud",
    )
    autre = utilisateurs["instructeur_autre_caf"]
    somme = convention_signee(caf_somme, autre, autre, "1000.00", nom="Amiens")
    aujourd_hui = timezone.localdate()
    _indu(a_valider, "300.00", aujourd_hui - dt.timedelta(days=3))
    _indu(valide, "500.00", aujourd_hui + dt.timedelta(days=30), rembourse="200.00")
    _indu(somme, "100.00", aujourd_hui + dt.timedelta(days=30))
    return {"a_valider": a_valider, "valide": valide, "somme": somme, "campagne": campagne}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", [VERSEMENTS_CSV, VERSEMENTS_XLSX, INDUS_CSV, INDUS_XLSX])
def test_chaque_persona_recoit_l_export_ou_un_refus(client_de, paiements_jeu, persona, url):
    assert client_de(persona).get(url).status_code == ATTENDU[persona]


def _structures(reponse) -> list[str]:
    return sorted(ligne["Structure"] for ligne in dictionnaires_csv(reponse))


def test_les_versements_de_la_caf_seulement_national_tout(
    comptable, instructeur_autre_caf, national, paiements_jeu
):
    assert _structures(comptable.get(VERSEMENTS_CSV)) == ["'=Lyon Nord", "Bron Sud"]
    assert _structures(instructeur_autre_caf.get(VERSEMENTS_CSV)) == ["Amiens"]
    assert _structures(national.get(VERSEMENTS_CSV)) == ["'=Lyon Nord", "Amiens", "Bron Sud"]


def test_l_export_des_versements_filtre_par_etat_et_garde_les_montants(comptable, paiements_jeu):
    lignes = dictionnaires_csv(comptable.get(VERSEMENTS_CSV + "?etat=valide"))
    assert [(ligne["Structure"], ligne["État"]) for ligne in lignes] == [("Bron Sud", "Validé")]
    assert lignes[0]["Montant (€)"] == "1400,00"
    assert lignes[0]["Nature"] == "Acompte"
    # Un état inconnu est ignoré : toute la liste.
    assert len(dictionnaires_csv(comptable.get(VERSEMENTS_CSV + "?etat=perdu"))) == 2
    entete, *cellules = cellules_xlsx(contenu(comptable.get(VERSEMENTS_XLSX + "?etat=valide")))
    titres = [valeur for _, valeur in entete]
    assert cellules[0][titres.index("Montant (€)")] == ("n", 1400.0)
    assert cellules[0][titres.index("Validé le")][0] == "d"


def test_l_export_des_indus_suit_la_page(valideur, paiements_jeu):
    lignes = dictionnaires_csv(valideur.get(INDUS_CSV))
    par_structure = {ligne["Structure"]: ligne for ligne in lignes}
    assert set(par_structure) == {"'=Lyon Nord", "Bron Sud"}
    bron = par_structure["Bron Sud"]
    assert (bron["Montant de l'indu (€)"], bron["Remboursé (€)"]) == ("500,00", "200,00")
    assert bron["Reste à rembourser (€)"] == "300,00"
    assert bron["En retard"] == "non"
    assert par_structure["'=Lyon Nord"]["En retard"] == "oui"
    en_retard = dictionnaires_csv(valideur.get(INDUS_CSV + "?en_retard=1"))
    assert [ligne["Structure"] for ligne in en_retard] == ["'=Lyon Nord"]


def test_les_pages_proposent_les_boutons_d_export(comptable, paiements_jeu):
    assert (
        f'href="{VERSEMENTS_CSV}"' in comptable.get(reverse("paiements_accueil")).content.decode()
    )
    page = comptable.get(reverse("indus_liste") + "?en_retard=1").content.decode()
    assert f'href="{INDUS_XLSX}?en_retard=1"' in page


@pytest.mark.parametrize("url", [VERSEMENTS_CSV, INDUS_XLSX])
def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_lignes(
    comptable, caf_rhone, utilisateurs, paiements_jeu, url
):
    def requetes() -> int:
        with CaptureQueriesContext(connection) as capture:
            contenu(comptable.get(url))
        return len(capture.captured_queries)

    peu = requetes()
    for rang in range(6):
        versement = convention_signee(
            caf_rhone,
            utilisateurs["instructeur"],
            utilisateurs["valideur"],
            campagne=paiements_jeu["campagne"],
            nom=f"S{rang}",
        )
        _indu(versement, "10.00", timezone.localdate(), rembourse="5.00")
    assert requetes() == peu
