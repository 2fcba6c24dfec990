from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from clas.bareme import LIBELLES_PARAMETRES, NOMS_PARAMETRES, PARAMETRES_ENTIERS, Parametres


def test_chaque_parametre_a_un_libelle_francais() -> None:
    assert set(LIBELLES_PARAMETRES) == set(NOMS_PARAMETRES)
    assert set(NOMS_PARAMETRES) >= PARAMETRES_ENTIERS


def test_vers_dict_donne_libelle_valeur_et_source_dans_l_ordre(parametres: Parametres) -> None:
    description = parametres.vers_dict()

    assert list(description) == list(NOMS_PARAMETRES)
    assert description["taux"] == {
        "libelle": "Taux de prise en charge des dépenses",
        "valeur": "0.325",
        "source": "Ancien taux Cnaf ; à confirmer chaque année",
    }
    assert description["montant_max_collectif"]["valeur"] == "2563.00"
    assert description["semaines_reference"]["valeur"] == "36"
    assert description["taux_acompte"]["valeur"] == "0.70"


def test_une_source_absente_vaut_le_texte_vide(
    fabrique_parametres: Callable[..., Parametres],
) -> None:
    assert fabrique_parametres(sources={}).source("taux") == ""


def test_valeur_renvoie_le_parametre_et_refuse_un_nom_inconnu(parametres: Parametres) -> None:
    assert parametres.valeur("effectif_max") == 12
    assert parametres.valeur("taux") == Decimal("0.325")
    with pytest.raises(KeyError, match="Paramètre inconnu"):
        parametres.valeur("annee_scolaire")


def test_depuis_dict_relit_ce_que_vers_dict_a_ecrit(parametres: Parametres) -> None:
    description = parametres.vers_dict()
    relus = Parametres.depuis_dict(
        "2025-2026",
        {nom: d["valeur"] for nom, d in description.items()},
        {nom: d["source"] for nom, d in description.items()},
    )
    assert relus == parametres
    assert isinstance(relus.semaines_reference, int)
    assert isinstance(relus.taux, Decimal)


def test_depuis_dict_accepte_entiers_et_decimaux(parametres: Parametres) -> None:
    valeurs: dict[str, object] = {nom: parametres.valeur(nom) for nom in NOMS_PARAMETRES}
    valeurs |= {"semaines_reference": "36", "effectif_max": Decimal("12"), "taux_acompte": "0.70"}
    relus = Parametres.depuis_dict("2025-2026", valeurs, {})
    assert relus.effectif_max == 12
    assert relus.taux_acompte == Decimal("0.70")


def test_depuis_dict_signale_toutes_les_valeurs_manquantes_ou_invalides(
    parametres: Parametres,
) -> None:
    valeurs: dict[str, object] = {nom: parametres.valeur(nom) for nom in NOMS_PARAMETRES}
    del valeurs["taux"]
    valeurs["effectif_min"] = "8,5"
    valeurs["prix_plafond"] = "beaucoup"
    valeurs["intervenants_min"] = True

    with pytest.raises(ValueError) as erreur:
        Parametres.depuis_dict("2025-2026", valeurs, {})

    message = str(erreur.value)
    assert "« taux » (Taux de prise en charge des dépenses) est manquant." in message
    assert "« effectif_min »" in message and "nombre entier" in message
    assert "« prix_plafond »" in message and "« beaucoup »" in message
    assert "« intervenants_min »" in message


@pytest.mark.parametrize(
    ("changements", "extrait"),
    [
        pytest.param({"taux": Decimal("1.01")}, "compris entre 0 et 1", id="taux-au-dessus-de-1"),
        pytest.param({"taux": Decimal("-0.1")}, "compris entre 0 et 1", id="taux-negatif"),
        pytest.param(
            {"taux_acompte": Decimal("1.5")}, "compris entre 0 et 1", id="acompte-au-dessus-de-1"
        ),
        pytest.param(
            {"montant_max_collectif": Decimal("-1")}, "positif ou nul", id="montant-negatif"
        ),
        pytest.param(
            {"bonus_projets_culturels": Decimal("-300")}, "positif ou nul", id="bonus-negatif"
        ),
        pytest.param({"prix_plafond": Decimal("-1")}, "positif ou nul", id="prix-negatif"),
        pytest.param({"semaines_reference": 0}, "au moins 1", id="zero-semaine"),
        pytest.param(
            {"effectif_min_derogatoire": 9}, "dérogatoire ne peut pas dépasser", id="derogatoire"
        ),
        pytest.param(
            {"effectif_min": 13}, "minimal ne peut pas dépasser l'effectif maximal", id="min-max"
        ),
        pytest.param({"intervenants_min": -1}, "positif ou nul", id="intervenants-negatif"),
        pytest.param({"taux": 0.325}, "nombre décimal", id="float-refuse"),
        pytest.param({"taux": Decimal("NaN")}, "nombre décimal", id="nan-refuse"),
        pytest.param({"effectif_max": Decimal("12")}, "nombre entier", id="entier-attendu"),
    ],
)
def test_des_parametres_incoherents_sont_refuses_en_francais(
    fabrique_parametres: Callable[..., Parametres], changements: dict[str, object], extrait: str
) -> None:
    with pytest.raises(ValueError, match="Paramètres 2025-2026 invalides") as erreur:
        fabrique_parametres(**changements)
    assert extrait in str(erreur.value)


def test_les_bornes_des_parametres_sont_admises(
    fabrique_parametres: Callable[..., Parametres],
) -> None:
    fabrique_parametres(taux=Decimal("0"), taux_acompte=Decimal("1"), semaines_reference=1)
    fabrique_parametres(effectif_min_derogatoire=8, effectif_min=8, effectif_max=8)


def test_les_sources_sont_copiees_et_n_empechent_pas_le_hachage(
    fabrique_parametres: Callable[..., Parametres],
) -> None:
    sources = {"taux": "avant"}
    parametres = fabrique_parametres(sources=sources)
    sources["taux"] = "après"

    assert parametres.source("taux") == "avant"
    assert hash(parametres) == hash(fabrique_parametres(sources={}))
