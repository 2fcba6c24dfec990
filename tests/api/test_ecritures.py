"""Les écritures de l'API laissent le même historique que la page (mêmes actions), et leurs
refus ont le format commun : 409 (action impossible dans l'état du dossier), 400 (corps
illisible), 429 au-delà du débit par défaut (120 requêtes par minute)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from clas.api import auth, jetons
from clas.api.erreurs import ErreurApi
from clas.dossiers.models import Dossier, Evenement, Message
from clas.instruction.models import Annotation
from tests.factories import CampagneFactory, DossierFactory

pytestmark = pytest.mark.django_db

RACINE = Path(__file__).resolve().parents[2]


def _historique_apres(dossier: Dossier, ecrire) -> dict[str, list[tuple]]:
    """Ce que `ecrire()` ajoute à l'historique du dossier : ses lignes d'`Evenement` (type,
    objet, visibilité par la structure, états avant et après, auteur), et les messages et
    annotations, qui sont leur propre trace (le fil, les notes internes)."""
    lignes = {
        "evenements": (Evenement, ("type", "objet", "public", "etat_avant", "etat_apres")),
        "messages": (Message, ("de_la_caf", "texte")),
        "annotations": (Annotation, ("texte",)),
    }
    deja = {
        nom: set(modele.objects.filter(dossier=dossier).values_list("pk", flat=True))
        for nom, (modele, _) in lignes.items()
    }
    ecrire()
    return {
        nom: list(
            modele.objects.filter(dossier=dossier)
            .exclude(pk__in=deja[nom])
            .order_by("created_at", "pk")
            .values_list(*champs, "auteur_id")
        )
        for nom, (modele, champs) in lignes.items()
    }


@pytest.fixture
def deux_dossiers(campagne_rhone, structure_a):
    """Deux dossiers déposés de la structure A (une campagne chacun) : l'un écrit par la
    page, l'autre par l'API."""
    autre = CampagneFactory(caf=campagne_rhone.caf, annee_scolaire="2025-2026")
    return (
        DossierFactory(campagne=campagne_rhone, structure=structure_a),
        DossierFactory(campagne=autre, structure=structure_a),
    )


def _api(api_de, persona: str, dossier: Dossier, route: str, corps: dict):
    def ecrire() -> None:
        reponse = api_de(persona).post(
            f"/api/v1/dossiers/{dossier.pk}/{route}", corps, content_type="application/json"
        )
        assert reponse.status_code in (200, 201), reponse.content

    return ecrire


def _page(client: Client, adresse: str, donnees: dict):
    def ecrire() -> None:
        reponse = client.post(adresse, donnees)
        assert reponse.status_code == 302, reponse.content.decode()[:2000]

    return ecrire


@pytest.mark.parametrize(
    ("persona", "page", "route", "donnees"),
    [
        ("porteur", "/dossiers/{pk}/messages/", "messages", {"texte": "Bonjour la Caf"}),
        (
            "instructeur",
            "/instruction/dossiers/{pk}/message/",
            "messages",
            {"texte": "Bonjour la structure"},
        ),
        (
            "instructeur",
            "/instruction/dossiers/{pk}/annoter/",
            "annotations",
            {"texte": "Budget à vérifier"},
        ),
        ("instructeur", "/instruction/dossiers/{pk}/prendre/", "prise-en-instruction", {}),
    ],
)
def test_l_api_laisse_le_meme_historique_que_la_page(
    api_de, client_de, deux_dossiers, persona, page, route, donnees
):
    par_la_page, par_l_api = deux_dossiers
    attendu = _historique_apres(
        par_la_page, _page(client_de(persona), page.format(pk=par_la_page.pk), donnees)
    )
    obtenu = _historique_apres(par_l_api, _api(api_de, persona, par_l_api, route, donnees))
    assert any(attendu.values()), "la page laisse une trace"
    assert obtenu == attendu


def test_la_prise_en_instruction_ecrit_la_transition_dans_l_historique(api_de, deux_dossiers):
    _, dossier = deux_dossiers
    lignes = _historique_apres(
        dossier, _api(api_de, "instructeur", dossier, "prise-en-instruction", {})
    )
    assert [(t, avant, apres) for t, _, _, avant, apres, _ in lignes["evenements"]] == [
        ("prendre_en_instruction", "depose", "en_instruction")
    ]


def test_l_annotation_n_ecrit_rien_que_la_structure_lirait(api_de, deux_dossiers):
    _, dossier = deux_dossiers
    lignes = _historique_apres(
        dossier, _api(api_de, "instructeur", dossier, "annotations", {"texte": "Interne"})
    )
    assert [texte for texte, _ in lignes["annotations"]] == ["Interne"]
    # Aucune ligne d'historique : la structure n'en voit rien.
    assert lignes["evenements"] == []


# --- Les refus -------------------------------------------------------------------------------


def test_prendre_un_dossier_deja_pris_repond_409_au_format_commun(api_de, deux_dossiers):
    _, dossier = deux_dossiers
    client = api_de("instructeur")
    adresse = f"/api/v1/dossiers/{dossier.pk}/prise-en-instruction"
    premiere = client.post(adresse, {}, content_type="application/json")
    assert premiere.status_code == 200, premiere.content
    assert premiere.json()["etat"]["code"] == "en_instruction"
    avant = Evenement.objects.filter(dossier=dossier).count()

    seconde = client.post(adresse, {}, content_type="application/json")

    assert seconde.status_code == 409
    erreurs = seconde.json()["erreurs"]
    assert erreurs and set(erreurs[0]) == {"champ", "message"}
    assert erreurs[0]["champ"] == "" and erreurs[0]["message"]
    assert Evenement.objects.filter(dossier=dossier).count() == avant  # rien d'écrit


@pytest.mark.parametrize("corps", ['{"texte": ', "pas du json", '{"texte": "a"'])
def test_un_corps_illisible_repond_400_au_format_commun(api_de, deux_dossiers, corps):
    _, dossier = deux_dossiers
    reponse = api_de("instructeur").post(
        f"/api/v1/dossiers/{dossier.pk}/messages", corps, content_type="application/json"
    )
    assert reponse.status_code == 400
    assert reponse.json() == {
        "erreurs": [
            {"champ": "", "message": "Le corps de la requête doit être un objet JSON valide."}
        ]
    }


def test_le_debit_par_defaut_est_de_120_requetes_par_minute():
    # Lu par un processus neuf, sans la variable : la valeur par défaut des réglages.
    environnement = {
        cle: valeur for cle, valeur in os.environ.items() if cle != "CLAS_API_REQUETES_PAR_MINUTE"
    }
    environnement |= {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    sortie = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.CLAS_API_REQUETES_PAR_MINUTE)",
        ],
        cwd=RACINE,
        env=environnement,
        capture_output=True,
        text=True,
        check=True,
    )
    assert sortie.stdout.strip().splitlines()[-1] == "120"


def test_au_debit_par_defaut_la_121e_requete_de_la_minute_est_refusee(monkeypatch, utilisateurs):
    assert settings.CLAS_API_REQUETES_PAR_MINUTE == 120
    jeton = jetons.creer(utilisateurs["instructeur"], "Débit", 30).jeton
    # Une minute figée : la fenêtre ne change pas pendant le test.
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    for _ in range(120):
        auth.limiter_debit(jeton)
    with pytest.raises(ErreurApi) as refus:
        auth.limiter_debit(jeton)
    assert refus.value.code_http == 429
    assert refus.value.retry_after == 30
    assert "120 requêtes par minute" in refus.value.message
