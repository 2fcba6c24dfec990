"""Mesures de performance du barème et de l'API de simulation, écrites dans
bench/bareme.md. Ce ne sont pas des tests : rien n'est affirmé, tout est mesuré.

Lancer : make bench
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from clas.bareme import CollectifEntree, Entree, calculer  # noqa: E402
from clas.referentiel.services import parametres_par_annee  # noqa: E402

PROJETS_PAR_AN = 4300  # ordre de grandeur national (seed : 4 300 projets en 2020)


_ENVIRONNEMENT_PRET = False


def _environnement_de_test() -> None:
    """Le client de test de Django (ALLOWED_HOSTS, courriels en mémoire), préparé une fois
    pour toutes les mesures : Django refuse de le préparer deux fois."""
    global _ENVIRONNEMENT_PRET
    if not _ENVIRONNEMENT_PRET:
        setup_test_environment()
        _ENVIRONNEMENT_PRET = True


def projet_au_hasard(generateur: random.Random) -> Entree:
    collectifs = tuple(
        CollectifEntree(
            nom=f"Collectif {i + 1}",
            nb_enfants=generateur.randint(4, 14),
            nb_intervenants=generateur.randint(1, 3),
            semaines_de_fonctionnement=generateur.randint(0, 40),
            milieu_rural=generateur.random() < 0.3,
            bonus_projets_culturels=generateur.random() < 0.6,
            bonus_accompagnement_parents=generateur.random() < 0.4,
        )
        for i in range(generateur.randint(1, 6))
    )
    return Entree(
        annee_scolaire="2025-2026",
        depenses_totales=Decimal(generateur.randint(3000, 60000)),
        cofinancements=Decimal(generateur.randint(0, 20000)),
        collectifs=collectifs,
    )


def mesurer_bareme() -> dict[str, float]:
    parametres = parametres_par_annee()["2025-2026"]
    projets = [projet_au_hasard(random.Random(i)) for i in range(PROJETS_PAR_AN)]
    debut = time.perf_counter()
    for projet in projets:
        calculer(projet, parametres)
    duree = time.perf_counter() - debut
    return {
        "projets": len(projets),
        "secondes": duree,
        "par_projet_ms": duree / len(projets) * 1000,
    }


def mesurer_api(repetitions: int = 200) -> dict[str, float]:
    _environnement_de_test()
    client = Client()
    corps = (RACINE / "docs" / "exemples" / "simulation.json").read_text(encoding="utf-8")
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        reponse = client.post("/api/v1/simulations", corps, content_type="application/json")
        durees.append(time.perf_counter() - debut)
        assert reponse.status_code == 200, reponse.content
    durees.sort()
    return {
        "requetes": repetitions,
        "mediane_ms": statistics.median(durees) * 1000,
        "p95_ms": durees[int(len(durees) * 0.95) - 1] * 1000,
    }


def mesurer_sepa(nombre: int = PROJETS_PAR_AN) -> dict[str, float]:
    """Un lot de paiement de taille nationale (un versement par projet de l'année) : le
    fichier pain.001 et le récapitulatif CSV, objets en mémoire (sans la base)."""
    import datetime as dt

    from clas.conventions.models import Convention
    from clas.core.validators import iban_fr
    from clas.dossiers.models import Dossier
    from clas.structures.models import Structure
    from clas.versements.models import LotPaiement, Versement
    from clas.versements.sepa import generer_pain001, recapitulatif_csv

    lot = LotPaiement(
        numero="LOT-069-20261128-01",
        date_execution=dt.date(2026, 11, 30),
        titulaire_emetteur="Caf du Rhône — Action sociale",
        iban_emetteur=iban_fr("30006000019876543210943"),
        bic_emetteur="AGRIFRPP",
    )
    versements = []
    for i in range(nombre):
        structure = Structure(nom=f"Association des écoliers n° {i}")
        dossier = Dossier(numero=f"CLAS-069-2026-{i:05d}", structure=structure)
        versements.append(
            Versement(
                convention=Convention(dossier=dossier),
                nature="acompte",
                montant=Decimal("1794.10") + i,
                reference=f"CLAS069-2026-{i:05d}-A1",
                iban_beneficiaire=iban_fr(f"30006000011234567891{i % 1000:03d}"),
                bic_beneficiaire="AGRIFRPP",
                etat="mis_en_paiement",
            )
        )
    debut = time.perf_counter()
    xml = generer_pain001(lot, versements)
    sepa = time.perf_counter() - debut
    debut = time.perf_counter()
    recapitulatif_csv(lot, versements)
    csv = time.perf_counter() - debut
    return {"versements": nombre, "sepa_s": sepa, "csv_s": csv, "octets": len(xml)}


class _Annuler(Exception):
    """Annule la transaction de mesure : la base de développement reste intacte."""


def mesurer_etape_collectifs(nombre: int = 200, repetitions: int = 20) -> dict[str, float]:
    """L'étape « Collectifs » d'un brouillon de `nombre` collectifs (le maximum d'un dossier),
    ouverte par sa structure ; tout est créé puis annulé dans une transaction."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from clas.campagnes.models import Campagne
    from clas.comptes.models import Utilisateur
    from clas.core.validators import siret_valide_depuis
    from clas.dossiers.models import Collectif, Dossier, Intervenant
    from clas.referentiel.models import Caf
    from clas.structures.models import MembreStructure, Structure

    _environnement_de_test()
    durees: list[float] = []
    try:
        with transaction.atomic():
            caf = Caf.objects.get(departement="69")
            porteur = Utilisateur.objects.create_user(
                email="mesure.collectifs@exemple.invalid", password=None, prenom="M", nom="M"
            )
            structure = Structure.objects.create(
                siret=siret_valide_depuis("9990000000001"),
                nom="Structure de mesure",
                type_structure="association",
                commune="Lyon",
                code_postal="69001",
                departement="69",
                caf=caf,
            )
            MembreStructure.objects.create(
                utilisateur=porteur, structure=structure, role="administrateur"
            )
            maintenant = timezone.now()
            campagne = Campagne.objects.create(
                caf=caf,
                annee_scolaire="2099-2100",
                titre="Mesure",
                ouverture=maintenant - dt.timedelta(days=1),
                cloture=maintenant + dt.timedelta(days=30),
                enveloppe=Decimal("1000000"),
                cree_par=porteur,
            )
            dossier = Dossier.objects.create(
                structure=structure, campagne=campagne, cree_par=porteur
            )
            collectifs = Collectif.objects.bulk_create(
                Collectif(
                    dossier=dossier,
                    ordre=i,
                    nom=f"Groupe {i + 1}",
                    nb_enfants=10,
                    semaines_de_fonctionnement=30,
                    niveaux=["CP"],
                )
                for i in range(nombre)
            )
            Intervenant.objects.bulk_create(
                Intervenant(collectif=c, nom=f"Intervenant {j}", statut="benevole")
                for c in collectifs
                for j in (1, 2)
            )
            client = Client()
            client.force_login(porteur)
            url = f"/dossiers/{dossier.pk}/etapes/collectifs/"
            for _ in range(repetitions):
                debut = time.perf_counter()
                reponse = client.get(url)
                durees.append(time.perf_counter() - debut)
                assert reponse.status_code == 200, reponse.status_code
            raise _Annuler
    except _Annuler:
        pass
    durees.sort()
    return {
        "collectifs": nombre,
        "requetes": repetitions,
        "mediane_ms": statistics.median(durees) * 1000,
        "p95_ms": durees[int(len(durees) * 0.95) - 1] * 1000,
    }


def main() -> None:
    bareme = mesurer_bareme()
    api = mesurer_api()
    sepa = mesurer_sepa()
    collectifs = mesurer_etape_collectifs()
    lignes = [
        "# Mesures de performance",
        "",
        f"Mesuré le {time.strftime('%d/%m/%Y à %H:%M')} sur {platform.node()} "
        f"({os.cpu_count()} cœurs, Python {platform.python_version()}), "
        f"base : {django.conf.settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}.",
        "Relancer : `make bench`.",
        "",
        "| mesure | valeur |",
        "|---|---|",
        f"| barème : {bareme['projets']:.0f} projets aléatoires (1 à 6 collectifs) | "
        f"{bareme['secondes']:.2f} s, {bareme['par_projet_ms']:.3f} ms par projet |",
        f"| API `POST /api/v1/simulations` (exemple de CLAS.md, {api['requetes']:.0f} requêtes, "
        "client de test Django) | "
        f"médiane {api['mediane_ms']:.2f} ms, p95 {api['p95_ms']:.2f} ms |",
        f"| lot de paiement de {sepa['versements']:.0f} versements : fichier SEPA pain.001 "
        f"({sepa['octets'] / 1e6:.1f} Mo) | {sepa['sepa_s']:.2f} s |",
        f"| même lot : récapitulatif CSV | {sepa['csv_s']:.2f} s |",
        f"| étape « Collectifs » d'un brouillon de {collectifs['collectifs']:.0f} collectifs "
        f"(GET par la structure, {collectifs['requetes']:.0f} requêtes, client de test Django) | "
        f"médiane {collectifs['mediane_ms']:.0f} ms, p95 {collectifs['p95_ms']:.0f} ms |",
        "",
    ]
    (RACINE / "bench" / "bareme.md").write_text("\n".join(lignes), encoding="utf-8")
    print("\n".join(lignes))


if __name__ == "__main__":
    main()
