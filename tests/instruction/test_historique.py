"""L'historique complet du dossier pour les agents (transitions, attributions,
corrections, demandes de compléments, messages, annotations), le plus récent d'abord ;
la structure n'en voit que la partie publique."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from clas.instruction import actions
from tests.outils import texte


def _collectif(dossier):
    return dossier.collectifs.order_by("ordre", "id").first()


def _activite(dossier, utilisateurs, collegue) -> None:
    instructeur = utilisateurs["instructeur"]
    actions.corriger(
        dossier, instructeur, _collectif(dossier), {"nb_enfants": 4}, "MOTIF-CORRECTION-SECRET"
    )
    actions.annoter(dossier, utilisateurs["valideur"], "ANNOTATION-SECRETE")
    actions.ecrire_a_la_structure(dossier, instructeur, "Message public de la Caf.")
    actions.prendre(dossier, collegue, "MOTIF-REATTRIBUTION-SECRET", instructeur.pk)
    dossier.refresh_from_db()
    actions.demander_complements(
        dossier,
        collegue,
        ["budget"],
        "Précisez le budget.",
        timezone.localdate() + dt.timedelta(days=7),
    )


def test_les_agents_voient_tout_l_historique_le_plus_recent_d_abord(
    instructeur, dossier_instruit, utilisateurs, dossier_collegue
) -> None:
    _activite(dossier_instruit, utilisateurs, dossier_collegue)
    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    debut = page.index('id="historique-complet"')
    historique = page[debut:]
    attendus = [
        "Demande de compléments",
        "Réattribution",
        "Message de la Caf",
        "Annotation interne",
        "Correction",
        "Prise en instruction",
        "Dépôt",
    ]
    positions = [historique.index(libelle) for libelle in attendus]
    assert positions == sorted(positions), list(zip(attendus, positions, strict=True))
    for secret in ("MOTIF-CORRECTION-SECRET", "ANNOTATION-SECRETE", "MOTIF-REATTRIBUTION-SECRET"):
        assert secret in historique
    # Qui : les auteurs sont nommés.
    assert "Dominique Reprise" in historique
    assert utilisateurs["valideur"].nom_complet in historique
    assert "interne" in historique


def test_la_structure_ne_voit_jamais_les_evenements_internes(
    porteur, dossier_instruit, utilisateurs, dossier_collegue
) -> None:
    _activite(dossier_instruit, utilisateurs, dossier_collegue)
    reponse = porteur.get(reverse("dossier_detail", args=[dossier_instruit.pk]))
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Précisez le budget." in page  # la partie publique est bien là
    assert "Message public de la Caf." in page
    for secret in (
        "MOTIF-CORRECTION-SECRET",
        "ANNOTATION-SECRETE",
        "MOTIF-REATTRIBUTION-SECRET",
        "réattribué",
        "Nombre d'enfants : 10 → 4",
    ):
        assert secret not in page, secret
