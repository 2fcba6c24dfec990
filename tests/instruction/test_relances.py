"""La commande `relancer_complements` : rappel 3 jours avant l'échéance et le jour même,
aux membres de la structure, jamais deux fois (chaque rappel est gardé dans l'historique)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from clas.dossiers.actions import deposer_complements
from clas.dossiers.models import DemandeComplements, Evenement
from clas.instruction import actions
from clas.instruction.management.commands.relancer_complements import rappel_du_jour

AUJOURD_HUI = timezone.localdate()
ECHEANCE = AUJOURD_HUI + dt.timedelta(days=10)


@pytest.fixture
def demande(dossier_instruit, utilisateurs) -> DemandeComplements:
    demande = actions.demander_complements(
        dossier_instruit,
        utilisateurs["instructeur"],
        ["budget"],
        "Détaillez les frais de personnel.",
        ECHEANCE,
    )
    mail.outbox.clear()
    return demande


def _relancer(jour: dt.date) -> str:
    sortie = StringIO()
    call_command("relancer_complements", date=jour.isoformat(), stdout=sortie)
    return sortie.getvalue()


@pytest.mark.parametrize(
    ("jours_restants", "rappel"),
    [(10, None), (4, None), (3, "avant"), (2, "avant"), (1, "avant"), (0, "jour"), (-1, None)],
)
def test_quel_rappel_quel_jour(jours_restants, rappel) -> None:
    resultat = rappel_du_jour(AUJOURD_HUI + dt.timedelta(days=jours_restants), AUJOURD_HUI)
    if rappel is None:
        assert resultat is None
    else:
        assert resultat is not None and rappel in resultat


def test_rien_avant_j_moins_3(demande) -> None:
    assert "Rappels envoyés : 0" in _relancer(ECHEANCE - dt.timedelta(days=4))
    assert not mail.outbox


def test_rappel_a_j_moins_3_puis_le_jour_meme_chacun_une_seule_fois(demande) -> None:
    j3 = ECHEANCE - dt.timedelta(days=3)
    assert "Rappels envoyés : 1" in _relancer(j3)
    (courriel,) = mail.outbox
    assert courriel.to == ["porteur.a@exemple.fr"]
    assert ECHEANCE.strftime("%d/%m/%Y") in courriel.subject
    assert "il reste 3 jours" in courriel.body
    assert "Détaillez les frais de personnel." in courriel.body

    # Relancée le même jour ou les jours suivants : pas de second rappel « avant ».
    assert "déjà envoyés : 1" in _relancer(j3)
    assert "Rappels envoyés : 0" in _relancer(j3 + dt.timedelta(days=1))
    assert len(mail.outbox) == 1

    assert "Rappels envoyés : 1" in _relancer(ECHEANCE)
    assert len(mail.outbox) == 2
    assert "Dernier jour" in mail.outbox[-1].subject
    assert "Rappels envoyés : 0" in _relancer(ECHEANCE)
    assert len(mail.outbox) == 2

    relances = Evenement.objects.filter(dossier=demande.dossier, type="relance_complements")
    assert relances.count() == 2
    assert all(ECHEANCE.strftime("%d/%m/%Y") in e.description for e in relances)
    assert any(j3.strftime("%d/%m/%Y") in e.description for e in relances)


def test_une_commande_manquee_rattrape_le_rappel_dans_les_3_jours(demande) -> None:
    assert "Rappels envoyés : 1" in _relancer(ECHEANCE - dt.timedelta(days=1))
    assert len(mail.outbox) == 1


def test_pas_de_rappel_quand_la_structure_a_repondu(demande, utilisateurs) -> None:
    deposer_complements(demande.dossier, utilisateurs["porteur"])
    assert "Rappels envoyés : 0" in _relancer(ECHEANCE)
    assert not mail.outbox


def test_une_nouvelle_demande_a_ses_propres_rappels(demande, utilisateurs) -> None:
    _relancer(ECHEANCE)
    assert len(mail.outbox) == 1
    dossier = demande.dossier
    deposer_complements(dossier, utilisateurs["porteur"])
    dossier.refresh_from_db()
    actions.demander_complements(
        dossier, utilisateurs["instructeur"], ["projet"], "Encore un point.", ECHEANCE
    )
    mail.outbox.clear()
    assert "Rappels envoyés : 1" in _relancer(ECHEANCE)
    assert len(mail.outbox) == 1


def test_simulation_n_envoie_rien(demande) -> None:
    sortie = StringIO()
    call_command("relancer_complements", date=ECHEANCE.isoformat(), simulation=True, stdout=sortie)
    assert demande.dossier.numero in sortie.getvalue()
    assert not mail.outbox
    assert not Evenement.objects.filter(type="relance_complements").exists()


def test_une_date_invalide_est_refusee() -> None:
    with pytest.raises(CommandError, match="aaaa-mm-jj"):
        call_command("relancer_complements", date="31/12/2026")
