"""Les cellules des exports : aucune formule, des nombres et des dates lisibles."""

from __future__ import annotations

import datetime as dt
import gc
import tracemalloc
from decimal import Decimal

import pytest

from clas.core.exports import cellule_csv, ligne_csv, texte_sur


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 00", "'+33 6 00"),
        ("-2", "'-2"),
        ("@SOMME(A1)", "'@SOMME(A1)"),
        ("\tcaché", "'\tcaché"),
        ("\rcaché", "'\rcaché"),
        ("Centre social", "Centre social"),
        ("", ""),
    ],
)
def test_un_texte_qui_serait_une_formule_est_neutralise(valeur, attendu):
    assert texte_sur(valeur) == attendu


def test_les_montants_et_les_dates_restent_des_nombres_et_des_dates():
    assert cellule_csv(Decimal("-150")) == "-150,00"  # un montant négatif n'est pas un texte
    assert cellule_csv(Decimal("4500")) == "4500,00"
    assert cellule_csv(dt.date(2026, 12, 2)) == "02/12/2026"
    assert cellule_csv(None) == ""
    assert cellule_csv(3) == "3"
    assert ligne_csv(["=A1", Decimal("1.5")]) == ["'=A1", "1,50"]


def test_un_booleen_s_ecrit_oui_ou_non_comme_dans_le_xlsx():
    assert cellule_csv(True) == "oui"
    assert cellule_csv(False) == "non"
    assert ligne_csv([True, 0, 1, False]) == ["oui", "0", "1", "non"]  # un nombre reste un nombre


# --- La mémoire d'un export en flux ---------------------------------------------------------


def _pic_du_flux(requete, echauffement) -> tuple[int, int]:
    """(lignes écrites, pic de mémoire Python en octets) pendant la lecture du CSV en flux,
    comme StreamingHttpResponse le lit : chaque morceau est envoyé puis oublié.

    Python garde jusqu'à 2 000 objets libérés de chaque taille pour les réutiliser (listes
    libres, vidées par un ramasse-miettes complet) : tracemalloc compterait leur remplissage
    comme une croissance. Une lecture d'`echauffement` (au moins 2 000 lignes) les remplit
    hors mesure, et le ramasse-miettes est suspendu pendant la mesure."""
    from clas.core.exports import flux_csv, parcourir
    from clas.instruction.exports import COLLECTIFS

    gc.collect()
    for _ in flux_csv(COLLECTIFS, parcourir(echauffement)):
        pass
    gc.disable()
    tracemalloc.start()
    try:
        depart, _ = tracemalloc.get_traced_memory()
        lignes = sum(1 for _ in flux_csv(COLLECTIFS, parcourir(requete))) - 1
        _, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    return lignes, pic - depart


def _ajouter_collectifs(dossiers, nombre: int, depart: int) -> None:
    from clas.dossiers.models import Collectif

    Collectif.objects.bulk_create(
        Collectif(
            dossier=dossiers[rang % len(dossiers)],
            ordre=rang,
            nom=f"Collectif {rang} — " + "x" * 40,
            lieu="École Jean-Macé, 12 rue des Écoles",
            nb_enfants=10,
            semaines_de_fonctionnement=30,
            niveaux=["CP", "CE1"],
        )
        for rang in range(depart, depart + nombre)
    )


@pytest.mark.django_db
def test_la_memoire_d_un_csv_en_flux_ne_grandit_pas_avec_le_nombre_de_lignes(
    monkeypatch, utilisateurs, campagne_rhone
):
    """N lignes puis 4 N : le pic de mémoire reste celui d'un paquet de lignes lues (des
    paquets de 100 ici au lieu de 2 000, pour que N dépasse largement un paquet)."""
    from django.http import QueryDict

    from clas.core import exports
    from clas.instruction.exports import COLLECTIFS
    from tests.factories import DossierFactory

    monkeypatch.setattr(exports, "TAILLE_DES_PAQUETS", 100)

    def requete():
        return COLLECTIFS.lignes(utilisateurs["national"], QueryDict("file=tous"))

    dossiers = [DossierFactory(campagne=campagne_rhone) for _ in range(5)]
    n = 1000
    _ajouter_collectifs(dossiers, 4 * n - requete().count(), 0)  # les fabriques en font un

    lignes, pic = _pic_du_flux(requete()[:n], requete())
    lignes_4n, pic_4n = _pic_du_flux(requete(), requete())
    assert (lignes, lignes_4n) == (n, 4 * n)
    # Tout en mémoire, 4 N lignes prendraient 4 fois plus : ici, 10 % de marge au plus.
    assert pic_4n < pic * 1.1 + 20_000, (pic, pic_4n)
