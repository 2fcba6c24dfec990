"""Saisies hostiles : caractères invisibles retirés, longueurs plafonnées (modèle et formulaire
d'accord), dates et nombres absurdes refusés, JSON trop imbriqué refusé en 422."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator

import pytest
from django import forms
from django.apps import apps
from django.db import models

import clas
from clas.core.forms import ChampDate
from clas.core.saisie import nettoyer
from clas.dossiers.models import Dossier
from tests.dossiers.outils_saisie import PROJET
from tests.outils import texte


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [
        ("Centre\x00 social", "Centre social"),
        ("Projet\x07\x1b[31m rouge", "Projet[31m rouge"),
        ("Facture \u202egnp.exe", "Facture gnp.exe"),  # surcharge de direction
        ("a\u2066b\u2069c\u200fd", "abcd"),
        ("Ligne 1\nLigne 2\r\n\tretrait", "Ligne 1\nLigne 2\r\n\tretrait"),
        ("Élodie — « atelier » 🎨 ﷺ עברית", "Élodie — « atelier » 🎨 ﷺ עברית"),
    ],
)
def test_les_caracteres_invisibles_sont_retires_et_le_reste_garde(saisie, attendu) -> None:
    assert nettoyer(saisie) == attendu


@pytest.mark.django_db
def test_une_etape_saisie_avec_octet_nul_et_surcharge_de_direction_est_enregistree_propre(
    porteur, dossier
) -> None:
    chemin = f"/dossiers/{dossier.pk}/etapes/projet/"
    saisie = {**PROJET, "titre": "Réussir\x00 ensemble\u202e", "resume": "Ligne 1\nLigne\x0b 2"}

    reponse = porteur.post(chemin, {**saisie, "version": str(dossier.version)})

    assert reponse.status_code == 302, texte(reponse)[:500]
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.titre == "Réussir ensemble"
    assert dossier.resume == "Ligne 1\nLigne 2"
    assert "Réussir ensemble" in texte(porteur.get(chemin))


@pytest.mark.django_db
def test_un_texte_trop_long_est_refuse_avec_la_limite_et_rien_n_est_enregistre(
    porteur, dossier
) -> None:
    chemin = f"/dossiers/{dossier.pk}/etapes/projet/"
    trop_long = {**PROJET, "resume": "x" * 10_001}

    reponse = porteur.post(chemin, {**trop_long, "version": str(dossier.version)})

    assert reponse.status_code == 400
    assert "au plus 10000 caractères (actuellement 10001)" in texte(reponse)
    assert Dossier.objects.get(pk=dossier.pk).resume == dossier.resume
    # La saisie reste dans le champ : rien de ce qui a été tapé n'est perdu.
    assert "x" * 10_001 in texte(reponse)


def _classes_de_formulaires() -> Iterator[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(clas.__path__, "clas."):
        if ".migrations" not in module.name and ".management" not in module.name:
            importlib.import_module(module.name)

    def sous_classes(classe: type) -> Iterator[type]:
        for sous in classe.__subclasses__():
            yield sous
            yield from sous_classes(sous)

    yield from {c for c in sous_classes(forms.BaseForm) if c.__module__.startswith("clas.")}


FORMULAIRES = sorted(_classes_de_formulaires(), key=lambda c: f"{c.__module__}.{c.__name__}")


@pytest.mark.parametrize("classe", FORMULAIRES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_chaque_champ_texte_d_un_formulaire_a_une_longueur_maximale(classe) -> None:
    sans_limite = [
        nom
        for nom, champ in getattr(classe, "base_fields", {}).items()
        if isinstance(champ, forms.CharField)
        and not isinstance(champ, forms.DecimalField | forms.UUIDField)
        and champ.max_length is None
        and not isinstance(champ.widget, forms.Select)
    ]
    assert not sans_limite, f"{classe.__name__} : {sans_limite} sans max_length"


@pytest.mark.parametrize("classe", FORMULAIRES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_chaque_date_d_un_formulaire_refuse_les_annees_absurdes(classe) -> None:
    dates = {
        nom: champ
        for nom, champ in getattr(classe, "base_fields", {}).items()
        if isinstance(champ, forms.DateField)
    }
    assert all(isinstance(champ, ChampDate) for champ in dates.values()), dates


@pytest.mark.parametrize("saisie", ["01/01/0001", "31/12/9999", "1899-05-01"])
def test_une_date_absurde_est_refusee_en_francais(saisie: str) -> None:
    with pytest.raises(forms.ValidationError, match="pas plausible"):
        ChampDate().clean(saisie)


def test_chaque_texte_des_modeles_a_une_longueur_maximale() -> None:
    sans_limite = [
        f"{modele.__name__}.{champ.name}"
        for modele in apps.get_models()
        if modele.__module__.startswith("clas.")
        for champ in modele._meta.get_fields()
        if isinstance(champ, models.CharField | models.TextField) and champ.max_length is None
    ]
    assert not sans_limite


@pytest.mark.django_db
@pytest.mark.parametrize("profondeur", [100, 100_000])
def test_un_json_tres_imbrique_recoit_un_422_jamais_un_500(client, profondeur: int) -> None:
    corps = "[" * profondeur + "]" * profondeur

    reponse = client.post("/api/v1/simulations", corps, content_type="application/json")

    assert reponse.status_code == 422
    assert reponse.json()["erreurs"][0]["message"]


@pytest.mark.django_db
def test_un_json_avec_octet_nul_ou_chaine_enorme_recoit_une_reponse_claire(client) -> None:
    entree = {
        "annee_scolaire": "2025-2026\x00",
        "depenses_totales": "1" * 5000,
        "collectifs": [{"nom": "\u202e" * 10, "nb_enfants": 10**30}],
    }

    reponse = client.post(
        "/api/v1/simulations", json.dumps(entree), content_type="application/json"
    )

    assert reponse.status_code == 422
