"""Les rappels du bilan : 30 et 7 jours avant la date limite, le jour même, une fois en
retard ; aux signataires et administrateurs ; jamais deux fois le même ; plus rien une
fois le bilan déposé."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from clas.bilans.management.commands.relancer_bilans import rappel_du_jour
from clas.bilans.models import Bilan
from clas.dossiers.models import Evenement
from tests.conventions.bilan_fabrique import deposer_complet, fixture_convention_signee  # noqa: F401

LIMITE = dt.date(2027, 9, 30)


def _relancer(jour: dt.date, *options: str) -> str:
    sortie = StringIO()
    call_command("relancer_bilans", "--date", jour.isoformat(), *options, stdout=sortie)
    return sortie.getvalue()


@pytest.mark.parametrize(
    ("jours_avant", "rappel"),
    [
        (31, None),
        (30, "j30"),
        (8, "j30"),
        (7, "j7"),
        (1, "j7"),
        (0, "jour"),
        (-1, "retard"),
        (-40, "retard"),
    ],
)
def test_le_rappel_de_chaque_periode(jours_avant, rappel):
    assert rappel_du_jour(LIMITE, LIMITE - dt.timedelta(days=jours_avant)) == rappel


def test_une_convention_signee_sans_bilan_est_relancee_une_fois_par_periode(
    convention_signee, utilisateurs, convention_contributeur, convention_signataire, mailoutbox
):
    mailoutbox.clear()  # le courriel de la décision
    assert convention_signee.date_limite_bilan == LIMITE
    assert "Rappels envoyés : 0" in _relancer(LIMITE - dt.timedelta(days=31))
    assert not Bilan.objects.exists()

    assert "Rappels envoyés : 1" in _relancer(LIMITE - dt.timedelta(days=30))
    bilan = Bilan.objects.get(convention=convention_signee)  # bilan vide créé pour la trace
    assert bilan.relances == ["j30"]
    assert sorted(mailoutbox[0].to) == sorted(
        [utilisateurs["porteur"].email, convention_signataire.email]
    )  # pas le contributeur
    assert "30/09/2027" in mailoutbox[0].subject
    assert f"/dossiers/{convention_signee.dossier_id}/bilan/" in mailoutbox[0].body

    # Le lendemain, ou une seconde exécution : rien de plus.
    assert "déjà envoyés : 1" in _relancer(LIMITE - dt.timedelta(days=29))
    assert "déjà envoyés : 1" in _relancer(LIMITE - dt.timedelta(days=30))
    assert len(mailoutbox) == 1

    _relancer(LIMITE - dt.timedelta(days=7))
    _relancer(LIMITE - dt.timedelta(days=3))
    _relancer(LIMITE)
    _relancer(LIMITE + dt.timedelta(days=1))
    _relancer(LIMITE + dt.timedelta(days=2))
    bilan.refresh_from_db()
    assert bilan.relances == ["j30", "j7", "jour", "retard"]
    assert len(mailoutbox) == 4
    assert "aujourd'hui" in mailoutbox[2].subject
    assert "Bilan en retard" in mailoutbox[3].subject
    evenements = Evenement.objects.filter(
        type="relance_bilan", dossier_id=convention_signee.dossier_id
    )
    assert evenements.count() == 4
    assert all(e.public for e in evenements)


def test_un_bilan_depose_n_est_plus_relance(convention_signee, utilisateurs, mailoutbox):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    mailoutbox.clear()
    sortie = _relancer(LIMITE + dt.timedelta(days=1))
    assert "Rappels envoyés : 0" in sortie
    assert mailoutbox == []


def test_une_convention_non_signee_n_est_pas_relancee(convention, mailoutbox):
    mailoutbox.clear()
    _relancer(LIMITE - dt.timedelta(days=7))
    assert not Bilan.objects.exists()
    assert mailoutbox == []


def test_la_simulation_n_envoie_rien(convention_signee, mailoutbox):
    mailoutbox.clear()
    sortie = _relancer(LIMITE, "--simulation")
    assert "Rappel le jour de la date limite du bilan" in sortie
    assert mailoutbox == []
    assert not Bilan.objects.exists()
