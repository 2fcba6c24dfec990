"""Les corrections de l'instructeur : un motif obligatoire, des valeurs vérifiées, les
chiffres de la structure jamais modifiés, le montant recalculé et expliqué.

Le dossier de départ : 2 collectifs de 10 enfants, 2 intervenants, 30 semaines, bonus
culturel ; dépenses 15 000 €, cofinancements 10 500 €. Prix de revient 7 500 € ; chaque
collectif (2 437,50 + 300) × 30/36 = 2 281,25 € ; total 4 562,50 € plafonné au reste à
charge, 4 500,00 €."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clas.dossiers.models import Collectif, Dossier, EtatDossier, Evenement
from clas.instruction import actions
from clas.instruction.calcul import calculer_instruction, comparer, parametres_de
from clas.instruction.models import Correction, Proposition
from tests.outils import texte


def eur(montant: str) -> str:
    return montant.replace(" ", "\u00a0")


def _montant(dossier: Dossier) -> Decimal:
    collectifs, lignes, corrections = actions.charger_pour_comparaison(dossier)
    dossier = Dossier.objects.select_related("campagne").get(pk=dossier.pk)
    return calculer_instruction(
        comparer(dossier, collectifs, lignes, corrections), parametres_de(dossier)
    ).montant_total


def _premier(dossier: Dossier) -> Collectif:
    return dossier.collectifs.order_by("ordre", "id").first()


def _poster(client, dossier, collectif, **champs):
    prefixe = f"collectif-{collectif.pk}" if collectif else "dossier"
    donnees = {"collectif": collectif.pk if collectif else ""}
    donnees.update({f"{prefixe}-{cle}": valeur for cle, valeur in champs.items()})
    return client.post(reverse("instruction_corriger", args=[dossier.pk]), donnees)


def test_le_montant_de_depart(dossier_instruit) -> None:
    assert _montant(dossier_instruit) == Decimal("4500.00")


def test_corriger_un_collectif_a_4_enfants_le_rend_ineligible_et_le_total_baisse(
    instructeur, dossier_instruit, utilisateurs
) -> None:
    collectif = _premier(dossier_instruit)
    reponse = _poster(
        instructeur, dossier_instruit, collectif, nb_enfants="4", motif="Liste d'émargement."
    )
    assert reponse.status_code == 302
    assert reponse["Location"].endswith("#calcul")

    correction = Correction.objects.get(dossier=dossier_instruit)
    assert (correction.collectif, correction.champ, correction.valeur) == (
        collectif,
        "nb_enfants",
        "4",
    )
    assert correction.motif == "Liste d'émargement."
    assert correction.auteur == utilisateurs["instructeur"]
    # Les chiffres de la structure ne changent pas.
    collectif.refresh_from_db()
    assert collectif.nb_enfants == 10
    assert _montant(dossier_instruit) == Decimal("2281.25")

    evenement = Evenement.objects.get(dossier=dossier_instruit, type="correction")
    assert not evenement.public
    assert "Nombre d'enfants : 10 → 4" in evenement.description
    assert "Liste d'émargement." in evenement.description

    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert "Corrections appliquées" in page
    assert eur("2 281,25 €") in page  # le nouveau montant
    assert eur("4 500,00 €") in page  # d'après les chiffres de la structure
    assert "Non éligible" in page and "Corrigé par la Caf" in page
    # L'explication vient du barème sur les valeurs corrigées.
    assert "4 enfants < 8" in page
    assert "Liste d'émargement." in page
    assert utilisateurs["instructeur"].nom_complet in page


def test_un_collectif_non_retenu_recoit_0_euro_avec_le_motif_non_retenu(
    instructeur, dossier_instruit
) -> None:
    collectif = _premier(dossier_instruit)
    reponse = _poster(
        instructeur, dossier_instruit, collectif, retenu="false", motif="Doublon d'un autre."
    )
    assert reponse.status_code == 302
    collectifs, lignes, corrections = actions.charger_pour_comparaison(dossier_instruit)
    dossier = Dossier.objects.select_related("campagne").get(pk=dossier_instruit.pk)
    resultat = calculer_instruction(
        comparer(dossier, collectifs, lignes, corrections), parametres_de(dossier)
    )
    premier = resultat.collectifs[0]
    assert premier.montant == Decimal("0.00")
    assert [m.code for m in premier.motifs_ineligibilite] == ["non_retenu"]
    # Le collectif non retenu compte toujours dans le prix de revient.
    assert resultat.montant_total == Decimal("2281.25")
    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert "La Caf n'a pas retenu ce collectif" in page


def test_corriger_les_depenses_et_les_cofinancements(instructeur, dossier_instruit) -> None:
    reponse = _poster(
        instructeur,
        dossier_instruit,
        None,
        depenses_totales="12 000,00",
        cofinancements="10500",
        motif="Frais de siège non éligibles.",
    )
    assert reponse.status_code == 302
    # Seule la valeur qui change devient une correction.
    (correction,) = Correction.objects.filter(dossier=dossier_instruit)
    assert (correction.collectif, correction.champ, correction.valeur) == (
        None,
        "depenses_totales",
        "12000.00",
    )
    # 6 000 / collectif ; (1 950 + 300) × 30/36 = 1 875 chacun ; plafond 1 500.
    assert _montant(dossier_instruit) == Decimal("1500.00")
    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert eur("15 000,00 €") in page and eur("12 000,00 €") in page
    assert 'data-testid="retenu-corrige"' in page


def test_une_correction_sans_motif_est_refusee_et_la_saisie_est_gardee(
    instructeur, dossier_instruit
) -> None:
    collectif = _premier(dossier_instruit)
    reponse = _poster(instructeur, dossier_instruit, collectif, nb_enfants="7", motif="")
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Indiquez le motif" in page
    assert 'value="7"' in page
    assert not Correction.objects.exists()
    # Le navigateur revient au collectif corrigé, le refus est dit en haut de la page.
    assert f'/corriger/#collectif-{collectif.pk}"' in page
    assert "La correction n'a pas été enregistrée : voyez le formulaire." in page


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("nb_enfants", "101", "entre 0 et 100"),
        ("nb_enfants", "-1", "entre 0 et 100"),
        ("nb_enfants", "dix", "nombre entier"),
        ("semaines_de_fonctionnement", "53", "entre 0 et 52"),
        ("nb_intervenants", "-2", "entre 0 et 50"),
    ],
)
def test_une_valeur_hors_bornes_est_refusee(
    instructeur, dossier_instruit, champ, valeur, message
) -> None:
    collectif = _premier(dossier_instruit)
    reponse = _poster(instructeur, dossier_instruit, collectif, motif="Vérifié", **{champ: valeur})
    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert not Correction.objects.exists()


@pytest.mark.parametrize("valeur", ["-5", "12,345", "beaucoup"])
def test_un_montant_invalide_est_refuse(instructeur, dossier_instruit, valeur) -> None:
    reponse = _poster(instructeur, dossier_instruit, None, depenses_totales=valeur, motif="Vérifié")
    assert reponse.status_code == 400
    assert not Correction.objects.exists()


def test_rien_ne_change_rien_n_est_enregistre(instructeur, dossier_instruit) -> None:
    collectif = _premier(dossier_instruit)
    reponse = _poster(instructeur, dossier_instruit, collectif, nb_enfants="10", motif="Vu")
    assert reponse.status_code == 400
    assert "Aucune valeur n'a changé" in texte(reponse)
    assert not Correction.objects.exists()


def test_la_derniere_correction_s_applique_et_la_correction_se_corrige(
    dossier_instruit, utilisateurs
) -> None:
    instructeur = utilisateurs["instructeur"]
    collectif = _premier(dossier_instruit)
    actions.corriger(dossier_instruit, instructeur, collectif, {"nb_enfants": 4}, "Émargement")
    assert _montant(dossier_instruit) == Decimal("2281.25")
    actions.corriger(dossier_instruit, instructeur, collectif, {"nb_enfants": 9}, "Erratum")
    assert _montant(dossier_instruit) == Decimal("4500.00")
    assert Correction.objects.count() == 2


def test_le_bonus_et_le_milieu_rural_se_corrigent(dossier_instruit, utilisateurs) -> None:
    instructeur = utilisateurs["instructeur"]
    collectif = _premier(dossier_instruit)
    actions.corriger(
        dossier_instruit,
        instructeur,
        collectif,
        {"nb_enfants": 6, "milieu_rural": True, "bonus_projets_culturels": False},
        "Commune rurale ; pas de sortie culturelle prévue.",
    )
    valeurs = dict(Correction.objects.values_list("champ", "valeur"))
    assert valeurs == {
        "nb_enfants": "6",
        "milieu_rural": "true",
        "bonus_projets_culturels": "false",
    }
    # 6 enfants en milieu rural : éligible (minimum dérogatoire 5), sans bonus :
    # 2 437,50 × 30/36 = 2 031,25 ; l'autre 2 281,25 ; total 4 312,50.
    assert _montant(dossier_instruit) == Decimal("4312.50")


def test_seul_l_instructeur_attribue_corrige_en_instruction(
    dossier_instruit, dossier_collegue, utilisateurs
) -> None:
    collectif = _premier(dossier_instruit)
    with pytest.raises(actions.ActionImpossible, match="instruit par"):
        actions.corriger(dossier_instruit, dossier_collegue, collectif, {"nb_enfants": 4}, "x")
    for persona in ("valideur", "comptable"):
        with pytest.raises(actions.ActionImpossible):
            actions.corriger(
                dossier_instruit, utilisateurs[persona], collectif, {"nb_enfants": 4}, "x"
            )
    with pytest.raises(PermissionDenied):
        actions.corriger(
            dossier_instruit,
            utilisateurs["instructeur_autre_caf"],
            collectif,
            {"nb_enfants": 4},
            "x",
        )
    Dossier.objects.filter(pk=dossier_instruit.pk).update(etat=EtatDossier.COMPLEMENTS_DEMANDES)
    with pytest.raises(actions.ActionImpossible, match="Compléments demandés"):
        actions.corriger(
            dossier_instruit, utilisateurs["instructeur"], collectif, {"nb_enfants": 4}, "x"
        )
    assert not Correction.objects.exists()


def test_pas_de_correction_pendant_qu_une_proposition_attend(
    instructeur, dossier_instruit, utilisateurs
) -> None:
    Proposition.objects.create(
        dossier=dossier_instruit,
        nature="accord",
        montant=Decimal("4500"),
        montant_bareme=Decimal("4500"),
        auteur=utilisateurs["instructeur"],
    )
    collectif = _premier(dossier_instruit)
    with pytest.raises(actions.ActionImpossible, match="proposition"):
        actions.corriger(
            dossier_instruit, utilisateurs["instructeur"], collectif, {"nb_enfants": 4}, "x"
        )
    reponse = _poster(instructeur, dossier_instruit, collectif, nb_enfants="4", motif="x")
    assert reponse.status_code == 403
    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert "Corriger ce collectif" not in page


def test_un_collectif_d_un_autre_dossier_donne_404(
    instructeur, dossier_instruit, structure_b, campagne_rhone, utilisateurs
) -> None:
    from tests.dossiers.suivi_fabrique import dossier_complet

    autre = dossier_complet(structure_b, campagne_rhone, utilisateurs["porteur_autre"])
    reponse = _poster(instructeur, dossier_instruit, _premier(autre), nb_enfants="4", motif="x")
    assert reponse.status_code == 404


def test_un_champ_du_dossier_ne_se_corrige_pas_sur_un_collectif(
    dossier_instruit, utilisateurs
) -> None:
    with pytest.raises(ValidationError) as erreur:
        actions.corriger(
            dossier_instruit,
            utilisateurs["instructeur"],
            _premier(dossier_instruit),
            {"depenses_totales": Decimal("1")},
            "x",
        )
    assert "depenses_totales" in erreur.value.message_dict


def test_le_tableau_declare_retenu_d_un_collectif_non_corrige_n_est_montre_qu_a_l_instructeur(
    instructeur, valideur, dossier_instruit
) -> None:
    """L'agent qui instruit voit chaque collectif « déclaré / retenu » à côté de son
    formulaire de correction ; les autres agents ne voient le tableau que d'un collectif
    corrigé (sans correction, ses deux colonnes seraient les mêmes)."""
    premier, second = dossier_instruit.collectifs.order_by("ordre", "id")
    _poster(instructeur, dossier_instruit, premier, nb_enfants="9", motif="Émargement.")
    url = reverse("instruction_dossier", args=[dossier_instruit.pk])

    def tableaux(client) -> dict[int, bool]:
        page = client.get(url).content.decode()
        blocs = {
            c.pk: page.split(f'id="collectif-{c.pk}"', 1)[1].split('class="clas-collectif"')[0]
            for c in (premier, second)
        }
        return {pk: "chiffres déclarés et retenus</caption>" in bloc for pk, bloc in blocs.items()}

    assert tableaux(instructeur) == {premier.pk: True, second.pk: True}
    assert tableaux(valideur) == {premier.pk: True, second.pk: False}
    page = texte(valideur.get(url))
    assert "Sans correction de la Caf : les chiffres retenus sont ceux de la structure" in page
