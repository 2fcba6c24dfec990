"""Les erreurs là où on les saisit : le résumé en tête de l'étape renvoie à chaque champ,
un collectif hors des effectifs est signalé à son champ (et reste enregistrable), un budget
déséquilibré empêche le dépôt et la liste de vérification le dit."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from clas.dossiers import actions
from clas.dossiers.models import Collectif, Dossier, EtatDossier, LigneBudget, NatureLigne
from clas.dossiers.verification import bloquants, verifier_dossier
from tests.dossiers.suivi_fabrique import (
    campagne,
    dossier_complet,
    media_temporaire,  # noqa: F401
)
from tests.outils import texte

from .outils_saisie import collectif, formulaire_collectifs, poster

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaire")]


def url(dossier: Dossier, etape: str) -> str:
    return f"/dossiers/{dossier.pk}/etapes/{etape}/"


def _resume(page: str) -> str:
    debut = page.index('id="resume-erreurs"')
    return page[debut : page.index("</ul>", debut)]


# --- Le résumé des erreurs -----------------------------------------------------------------


def test_le_resume_des_erreurs_renvoie_a_chaque_champ_et_la_correction_l_efface(
    porteur, dossier
) -> None:
    donnees = formulaire_collectifs(
        [
            collectif(0),
            collectif(1, nb_enfants="abc", horaire_1_debut="10:00", horaire_1_fin="11:00"),
        ]
    )
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 400
    page = texte(reponse)
    resume = _resume(page)
    assert "(2 erreurs)" in page
    assert '<a href="#id_collectifs-1-nb_enfants">Collectif 2 : Nombre d\'enfants</a>' in resume
    assert "Saisissez un nombre entier" in resume
    assert '<a href="#id_collectifs-1-horaire_1_debut">Collectif 2 : Séance 1 : début</a>' in resume
    # Chaque lien mène à un champ qui existe dans la page.
    for ancre in re.findall(r'href="#([^"]+)"', resume):
        assert f'id="{ancre}"' in page

    # La correction, l'enregistrement, puis le rechargement : plus de résumé.
    donnees["collectifs-1-nb_enfants"] = "9"
    donnees["collectifs-1-horaire_1_debut"] = "17:00"
    donnees["collectifs-1-horaire_1_fin"] = "18:00"
    assert poster(porteur, dossier, "collectifs", donnees).status_code == 302
    page = texte(porteur.get(url(dossier, "collectifs")))
    assert 'id="resume-erreurs"' not in page
    assert Collectif.objects.get(dossier=dossier, ordre=1).nb_enfants == 9


def test_le_resume_des_erreurs_du_budget_renvoie_au_montant_fautif(porteur, dossier) -> None:
    reponse = poster(porteur, dossier, "budget", {"charge_60": "abc", "produit_70": "-5"})
    assert reponse.status_code == 400
    resume = _resume(texte(reponse))
    assert '<a href="#id_charge_60">60 — Achats (en euros)</a>' in resume
    assert '<a href="#id_produit_70">' in resume
    assert "Le montant doit être positif ou nul." in resume
    # La saisie gardée est restaurée avec le même résumé au retour sur l'étape.
    assert '<a href="#id_charge_60">' in _resume(texte(porteur.get(url(dossier, "budget"))))


def test_le_resume_d_un_formset_incomplet_renvoie_au_bloc_des_collectifs(porteur, dossier):
    reponse = poster(porteur, dossier, "collectifs", formulaire_collectifs([]))
    assert reponse.status_code == 400
    resume = _resume(texte(reponse))
    assert '<a href="#erreurs-collectifs">Ensemble du formulaire</a>' in resume
    assert "Déclarez au moins un collectif" in resume


# --- Les effectifs d'un collectif signalés au champ ----------------------------------------


@pytest.mark.parametrize(
    ("champs", "attendu"),
    [
        ({"nb_enfants": "6"}, "6 enfants : c'est moins que le minimum de 8"),
        ({"nb_enfants": "4", "milieu_rural": True}, "4 enfants : c'est moins que le minimum de 5"),
        ({"nb_enfants": "13"}, "13 enfants : c'est plus que le maximum de 12"),
    ],
)
def test_un_effectif_hors_bornes_est_signale_au_champ_et_reste_enregistre(
    porteur, dossier, champs, attendu
) -> None:
    reponse = poster(porteur, dossier, "collectifs", formulaire_collectifs([collectif(**champs)]))
    assert reponse.status_code == 302
    assert Collectif.objects.get(dossier=dossier).nb_enfants == int(champs["nb_enfants"])
    page = texte(porteur.get(url(dossier, "collectifs")))
    assert attendu in page
    assert "reste enregistré, mais il ne sera pas éligible" in page
    # L'avertissement est lu avec le champ, sans en faire une erreur.
    assert 'aria-describedby="id_collectifs-0-nb_enfants-avertissement"' in page
    assert 'id="id_collectifs-0-nb_enfants-avertissement"' in page
    assert 'id="resume-erreurs"' not in page


@pytest.mark.parametrize("nb_enfants", ["5", "8", "12"])
def test_un_effectif_dans_les_bornes_n_est_pas_signale(porteur, dossier, nb_enfants) -> None:
    rural = nb_enfants == "5"
    poster(
        porteur,
        dossier,
        "collectifs",
        formulaire_collectifs([collectif(nb_enfants=nb_enfants, milieu_rural=rural)]),
    )
    page = texte(porteur.get(url(dossier, "collectifs")))
    assert 'data-testid="avertissement-effectif"' not in page


def test_un_seul_intervenant_est_signale_puis_la_correction_l_efface(porteur, dossier) -> None:
    seul = collectif(intervenant_2_nom="", intervenant_2_statut="")
    assert poster(porteur, dossier, "collectifs", formulaire_collectifs([seul])).status_code == 302
    page = texte(porteur.get(url(dossier, "collectifs")))
    assert "1 intervenant déclaré : un collectif est encadré par 2 intervenants au moins" in page
    assert 'aria-describedby="id_collectifs-0-intervenant_1_nom-avertissement"' in page

    avec_id = formulaire_collectifs([collectif()])
    avec_id["collectifs-0-id"] = str(Collectif.objects.get(dossier=dossier).pk)
    assert poster(porteur, dossier, "collectifs", avec_id).status_code == 302
    page = texte(porteur.get(url(dossier, "collectifs")))
    assert 'data-testid="avertissement-intervenants"' not in page


def test_l_avertissement_suit_la_saisie_refusee_pour_une_autre_raison(porteur, dossier):
    """Une saisie invalide (séance pendant l'école) garde l'avertissement de l'effectif."""
    donnees = formulaire_collectifs(
        [collectif(nb_enfants="3", horaire_1_debut="10:00", horaire_1_fin="11:00")]
    )
    page = texte(poster(porteur, dossier, "collectifs", donnees))
    assert "3 enfants : c'est moins que le minimum de 8" in page


# --- Le budget déséquilibré bloque le dépôt ------------------------------------------------


@pytest.fixture
def dossier_pret(structure_a, caf_rhone, utilisateurs):
    return dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )


def _desequilibrer(dossier: Dossier, montant: str) -> None:
    LigneBudget.objects.create(
        dossier=dossier, nature=NatureLigne.CHARGE, compte="60", montant=Decimal(montant)
    )


def test_un_budget_desequilibre_empeche_le_depot_avec_l_ecart(dossier_pret, utilisateurs):
    _desequilibrer(dossier_pret, "1250")
    manques = bloquants(verifier_dossier(dossier_pret))
    assert [m.message for m in manques] == [
        "Le budget n'est pas équilibré : les charges dépassent les produits de "
        "1\u00a0250,00\u00a0€ (prestation Clas demandée comprise dans les produits). "
        "Ajustez les montants pour que les charges égalent les produits."
    ]
    assert manques[0].etape == "budget"
    with pytest.raises(actions.DepotRefuse):
        actions.deposer(dossier_pret, utilisateurs["porteur"])
    assert Dossier.objects.get(pk=dossier_pret.pk).etat == EtatDossier.BROUILLON


def test_des_produits_en_trop_sont_dits_dans_l_autre_sens(dossier_pret) -> None:
    LigneBudget.objects.create(
        dossier=dossier_pret, nature=NatureLigne.PRODUIT, compte="70", montant=Decimal("300")
    )
    (manque,) = bloquants(verifier_dossier(dossier_pret))
    assert "les produits dépassent les charges de 300,00\u00a0€" in manque.message


def test_la_page_du_dossier_refuse_le_depot_et_la_correction_le_permet(
    dossier_pret, utilisateurs
) -> None:
    client = Client()
    client.force_login(utilisateurs["porteur"])
    _desequilibrer(dossier_pret, "1250")
    page = texte(client.get(f"/dossiers/{dossier_pret.pk}/"))
    liste = page[page.index('id="manques"') :]
    assert "Il reste 1 point à compléter avant le dépôt" in liste
    assert "les charges dépassent les produits de 1\u00a0250,00\u00a0€" in liste
    assert f'href="/dossiers/{dossier_pret.pk}/etapes/budget/"' in liste

    reponse = client.post(f"/dossiers/{dossier_pret.pk}/deposer/")
    assert reponse.status_code == 400
    assert "Le dossier n'a pas été déposé : 1 point à corriger" in texte(reponse)
    assert Dossier.objects.get(pk=dossier_pret.pk).etat == EtatDossier.BROUILLON

    # La correction dans l'étape du budget, puis le dépôt.
    budget = texte(client.get(f"/dossiers/{dossier_pret.pk}/etapes/budget/"))
    assert "les charges dépassent les produits de 1\u00a0250,00\u00a0€" in budget
    version = Dossier.objects.get(pk=dossier_pret.pk).version
    reponse = client.post(
        f"/dossiers/{dossier_pret.pk}/etapes/budget/",
        {
            "charge_60": "1 250",
            "charge_64": "15 000",
            "produit_74_commune": "10 000",
            "produit_75": "1 750",
            "ps_demandee": "4 500",
            "version": str(version),
            "action": "enregistrer",
        },
    )
    assert reponse.status_code == 302
    assert 'data-testid="sens-desequilibre"' not in texte(
        client.get(f"/dossiers/{dossier_pret.pk}/etapes/budget/")
    )
    # Modifier le budget annule l'attestation : elle est signée à nouveau avant le dépôt.
    version = Dossier.objects.get(pk=dossier_pret.pk).version
    client.post(
        f"/dossiers/{dossier_pret.pk}/etapes/attestation/",
        {"atteste": "on", "version": str(version), "action": "signer"},
    )
    assert client.post(f"/dossiers/{dossier_pret.pk}/deposer/").status_code == 302
    assert Dossier.objects.get(pk=dossier_pret.pk).etat == EtatDossier.DEPOSE


def test_une_attestation_non_cochee_dit_de_signer_puis_la_signature_passe(
    porteur, dossier_pret
) -> None:
    chemin = f"/dossiers/{dossier_pret.pk}/etapes/attestation/"
    version = Dossier.objects.get(pk=dossier_pret.pk).version

    refus = porteur.post(chemin, {"version": str(version), "action": "signer"})

    assert "corrigez les champs signalés puis signez" in texte(refus)
    assert "puis enregistrez" not in texte(refus)
    version = Dossier.objects.get(pk=dossier_pret.pk).version
    reponse = porteur.post(chemin, {"atteste": "on", "version": str(version), "action": "signer"})
    assert reponse.status_code == 302
    assert Dossier.objects.get(pk=dossier_pret.pk).attestation_le is not None
