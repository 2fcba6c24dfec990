"""`manage.py purger` : à blanc ne touche rien ; appliquer supprime exactement ce qui est
échu (un dossier clos avec ses pièces comptables, seulement après sa durée), ses fichiers
compris, et le journalise ; une seconde fois ne fait rien."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from clas.api.models import JetonApi
from clas.bilans.models import Bilan
from clas.comptes.models import Utilisateur
from clas.conventions.models import Convention
from clas.core.models import ExportDemande
from clas.dossiers.models import Dossier, Message
from clas.instruction.models import Decision
from clas.journal import chaine
from clas.journal.models import Entree
from clas.rgpd.conservation import ans_avant, purger
from clas.structures.models import Structure
from clas.versements.models import LotPaiement, Mouvement, Versement
from tests.factories import DossierFactory, MembreStructureFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _comptes_hors_du_sujet(settings):
    """Les comptes des personas ne deviennent pas « inactifs » dans ces années simulées,
    sauf dans les tests des comptes."""
    settings.CLAS_CONSERVATION_COMPTES_INACTIFS_ANS = 50


def effectifs(appliquer=False, maintenant=None):
    return {
        r.categorie.cle: len(r.identifiants)
        for r in purger(appliquer=appliquer, maintenant=maintenant)
        if r.identifiants
    }


def dans(ans: int, jours: int = 0) -> dt.datetime:
    return ans_avant(timezone.now(), -ans) + dt.timedelta(days=jours)


def pieces_comptables() -> dict[str, int]:
    return {
        "dossiers": Dossier.objects.count(),
        "conventions": Convention.objects.count(),
        "decisions": Decision.objects.count(),
        "versements": Versement.objects.count(),
        "lots": LotPaiement.objects.count(),
        "grand_livre": Mouvement.objects.count(),
        "bilans": Bilan.objects.count(),
    }


def test_un_dossier_clos_garde_ses_pieces_comptables_dix_ans(dossier_clos) -> None:
    avant = pieces_comptables()
    assert avant["versements"] == 1 and avant["lots"] == 1 and avant["grand_livre"] == 1
    assert effectifs(appliquer=True, maintenant=dans(10, -1)) == {}
    assert pieces_comptables() == avant


def test_a_blanc_ne_touche_rien(dossier_clos) -> None:
    avant, journal = pieces_comptables(), Entree.objects.count()
    sortie = StringIO()
    call_command("purger", "--date", dans(10, 1).date().isoformat(), stdout=sortie)
    texte = sortie.getvalue()
    assert "À blanc" in texte
    assert "Dossiers clôturés" in texte and ": 1 à supprimer" in texte
    assert pieces_comptables() == avant
    assert Entree.objects.count() == journal


def test_appliquer_supprime_le_dossier_echu_ses_pieces_et_ses_fichiers(
    dossier_clos, utilisateurs, django_capture_on_commit_callbacks
) -> None:
    message = Message(dossier=dossier_clos, auteur=utilisateurs["porteur"], texte="Bonjour")
    message.piece_jointe.save("facture.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    chemin = message.piece_jointe.name
    assert default_storage.exists(chemin)
    structure_id = dossier_clos.structure_id

    with django_capture_on_commit_callbacks(execute=True):
        assert effectifs(appliquer=True, maintenant=dans(10, 1)) == {"dossiers_clos": 1}

    assert pieces_comptables() == dict.fromkeys(pieces_comptables(), 0)
    assert not Message.objects.exists()
    assert not default_storage.exists(chemin)
    assert Structure.objects.filter(pk=structure_id).exists()  # la structure reste
    # Le journal garde le dossier purgé et la purge, et sa chaîne reste intègre.
    purge = Entree.objects.get(source="dossiers.dossier", type="dossier_purge")
    assert purge.source_id == str(dossier_clos.pk) and dossier_clos.numero in purge.contenu
    assert Entree.objects.filter(source="rgpd.purge", type="dossiers_clos").count() == 1
    assert Entree.objects.filter(source="dossiers.evenement").exists()  # l'historique survit
    assert chaine.premiere_faute() is None


def test_purger_est_idempotent(dossier_clos) -> None:
    assert effectifs(appliquer=True, maintenant=dans(10, 1)) == {"dossiers_clos": 1}
    journal = Entree.objects.count()
    assert effectifs(appliquer=True, maintenant=dans(10, 1)) == {}
    assert Entree.objects.count() == journal


def test_refuses_et_brouillons_ont_leur_propre_duree(campagne_rhone) -> None:
    refuse = DossierFactory(refuse=True)
    brouillon = DossierFactory(brouillon=True)
    assert effectifs(maintenant=dans(2, -1)) == {}
    assert effectifs(appliquer=True, maintenant=dans(2, 1)) == {"brouillons": 1}
    assert not Dossier.objects.filter(pk=brouillon.pk).exists()
    assert effectifs(appliquer=True, maintenant=dans(5, -1)) == {}
    assert effectifs(appliquer=True, maintenant=dans(5, 1)) == {"dossiers_refuses": 1}
    assert not Dossier.objects.filter(pk=refuse.pk).exists()


def test_jetons_sessions_et_exports_echus(utilisateurs, django_capture_on_commit_callbacks) -> None:
    maintenant = timezone.now()
    porteur = utilisateurs["porteur"]
    vieux = JetonApi.objects.create(
        utilisateur=porteur,
        nom="Ancien",
        prefixe="a1",
        empreinte="a" * 64,
        expire_le=maintenant - dt.timedelta(days=31),
    )
    recent = JetonApi.objects.create(
        utilisateur=porteur,
        nom="Récent",
        prefixe="b1",
        empreinte="b" * 64,
        expire_le=maintenant - dt.timedelta(days=29),
    )
    export = ExportDemande.objects.create(
        demandeur=porteur, export="x", format="csv", nom_fichier="dossiers.csv"
    )
    export.fichier.save("dossiers.csv", ContentFile(b"a;b\n"), save=True)
    ExportDemande.objects.filter(pk=export.pk).update(created_at=maintenant - dt.timedelta(days=8))
    chemin = export.fichier.name
    with django_capture_on_commit_callbacks(execute=True):
        assert effectifs(appliquer=True) == {"jetons_api": 1, "exports": 1}
    assert list(JetonApi.objects.all()) == [recent]
    assert not JetonApi.objects.filter(pk=vieux.pk).exists()
    assert not default_storage.exists(chemin)


def test_un_compte_inactif_est_anonymise_sauf_le_dernier_administrateur(
    settings, structure_a
) -> None:
    settings.CLAS_CONSERVATION_COMPTES_INACTIFS_ANS = 3
    il_y_a_4_ans = ans_avant(timezone.now(), 4)
    dormant = UtilisateurFactory(email="dormant@exemple.fr", nom="Dupont")
    admin = MembreStructureFactory(
        utilisateur__email="seul.admin@exemple.fr", structure=structure_a
    ).utilisateur
    MembreStructureFactory(structure=structure_a, role="contributeur")
    actif = UtilisateurFactory(email="actif@exemple.fr")
    Utilisateur.objects.filter(pk__in=[dormant.pk, admin.pk]).update(
        last_login=il_y_a_4_ans, created_at=il_y_a_4_ans
    )
    Utilisateur.objects.filter(pk=actif.pk).update(last_login=timezone.now())
    structure_a.membres.exclude(utilisateur=admin).filter(role="administrateur").delete()

    resultats = {r.categorie.cle: r for r in purger(appliquer=True)}
    assert resultats["comptes_inactifs"].identifiants == [dormant.pk]
    assert "seul administrateur" in resultats["comptes_inactifs"].reportes[admin.pk]
    dormant.refresh_from_db()
    assert dormant.ferme_le is not None and not dormant.is_active
    assert dormant.email.endswith("@anonyme.invalid") and "Dupont" not in dormant.nom
    admin.refresh_from_db()
    assert admin.ferme_le is None and admin.email == "seul.admin@exemple.fr"


def test_un_lot_partage_reste_tant_qu_un_autre_dossier_s_y_appuie(dossier_clos) -> None:
    from clas.versements.models import EtatVersement
    from tests.factories import VersementFactory

    lot = LotPaiement.objects.get()
    autre = VersementFactory(valide=True)
    Versement.objects.filter(pk=autre.pk).update(lot=lot, etat=EtatVersement.MIS_EN_PAIEMENT)

    assert effectifs(appliquer=True, maintenant=dans(10, 1)) == {"dossiers_clos": 1}
    assert not Dossier.objects.filter(pk=dossier_clos.pk).exists()
    assert LotPaiement.objects.filter(pk=lot.pk).exists()  # l'autre versement y reste
    assert list(Versement.objects.values_list("pk", flat=True)) == [autre.pk]


def test_la_commande_appliquee_dit_ce_qu_elle_a_supprime(dossier_clos) -> None:
    jour = dans(10, 1).date().isoformat()
    sortie = StringIO()
    call_command("purger", "--appliquer", "--date", jour, stdout=sortie)
    assert "À blanc" not in sortie.getvalue()
    assert "Dossiers clôturés" in sortie.getvalue() and ": 1 supprimé(s)" in sortie.getvalue()
    encore = StringIO()
    call_command("purger", "--appliquer", "--date", jour, stdout=encore)
    assert "Total : 0 supprimé(s)." in encore.getvalue()


def test_une_date_illisible_est_refusee_en_francais() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="aaaa-mm-jj"):
        call_command("purger", "--date", "03/12/2036")
