"""Chaque étape comme un usager la remplit : une erreur, sa correction sur la page même qui
la signale, l'enregistrement, puis une page rechargée qui montre la correction.

Le formulaire renvoyé est celui que la page affiche (version cachée comprise) : c'est ce
qu'un navigateur envoie, pas la version lue en base."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clas.dossiers.models import Collectif, Dossier, LigneBudget
from tests.outils import champs, formulaire_du_navigateur, texte

from .outils_saisie import PROJET, collectif, formulaire_collectifs, poster

pytestmark = pytest.mark.django_db


def _url(dossier: Dossier, etape: str) -> str:
    return f"/dossiers/{dossier.pk}/etapes/{etape}/"


def _corriger_et_enregistrer(client, dossier, etape, page, corrections):
    donnees = formulaire_du_navigateur(page)
    donnees.update({nom: [valeur] for nom, valeur in corrections.items()})
    donnees["action"] = ["enregistrer"]
    return client.post(_url(dossier, etape), donnees)


def test_le_projet_corrige_apres_une_erreur_est_enregistre(porteur, dossier) -> None:
    erreur = poster(porteur, dossier, "projet", {**PROJET, "titre": ""})
    assert erreur.status_code == 400
    assert "Donnez un titre au projet" in texte(erreur)

    correction = _corriger_et_enregistrer(
        porteur, dossier, "projet", erreur, {"titre": "Réussir ensemble, saison 2"}
    )

    assert correction.status_code == 302, texte(correction)
    rechargee = porteur.get(_url(dossier, "projet"))
    assert champs(rechargee)["titre"] == "Réussir ensemble, saison 2"
    assert "à corriger" not in texte(rechargee)
    assert Dossier.objects.get(pk=dossier.pk).titre == "Réussir ensemble, saison 2"


def test_deux_erreurs_de_suite_puis_la_correction_sont_acceptees(porteur, dossier) -> None:
    premiere = poster(porteur, dossier, "projet", {**PROJET, "titre": ""})
    seconde = _corriger_et_enregistrer(porteur, dossier, "projet", premiere, {"resume": ""})
    assert seconde.status_code == 400
    assert "modifié par" not in texte(seconde)

    correction = _corriger_et_enregistrer(
        porteur, dossier, "projet", seconde, {"titre": "Titre", "resume": "Résumé."}
    )

    assert correction.status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.titre, dossier.resume) == ("Titre", "Résumé.")


def test_un_collectif_corrige_apres_une_erreur_est_enregistre(porteur, dossier) -> None:
    erreur = poster(
        porteur,
        dossier,
        "collectifs",
        formulaire_collectifs([collectif(nb_enfants="dix"), collectif(1, nom="B")]),
    )
    assert erreur.status_code == 400

    correction = _corriger_et_enregistrer(
        porteur, dossier, "collectifs", erreur, {"collectifs-0-nb_enfants": "11"}
    )

    assert correction.status_code == 302, texte(correction)
    rechargee = champs(porteur.get(_url(dossier, "collectifs")))
    assert rechargee["collectifs-0-nb_enfants"] == "11"
    assert rechargee["collectifs-1-nom"] == "B"
    nombres = Collectif.objects.filter(dossier=dossier).order_by("ordre")
    assert [c.nb_enfants for c in nombres] == [11, 10]
    assert list(nombres[0].niveaux) == ["CM1", "CM2"]  # les cases cochées ont suivi


def test_le_budget_corrige_apres_une_erreur_est_enregistre(porteur, dossier) -> None:
    erreur = poster(
        porteur, dossier, "budget", {"charge_64": "douze mille", "produit_74_commune": "3 000"}
    )
    assert erreur.status_code == 400

    correction = _corriger_et_enregistrer(
        porteur, dossier, "budget", erreur, {"charge_64": "12 000,50"}
    )

    assert correction.status_code == 302, texte(correction)
    assert champs(porteur.get(_url(dossier, "budget")))["charge_64"] == "12 000,50"
    ligne = LigneBudget.objects.get(dossier=dossier, compte="64")
    assert ligne.montant == Decimal("12000.50")
