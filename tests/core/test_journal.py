"""Le journal infalsifiable (clas.journal) : chaque événement métier y est ajouté, chaîné
par empreintes SHA-256 ; l'application et la base refusent de modifier ou supprimer une
entrée ; `verifier_journal` nomme la première entrée modifiée, supprimée ou réordonnée
(altérations faites en SQL, trigger désactivé le temps de l'altération) ; le journal
survit à ce qu'il décrit ; le condensé quotidien de la tête s'exporte."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Evenement
from clas.journal.chaine import ORIGINE, ajouter, empreinte
from clas.journal.models import Entree, JournalImmuable
from clas.referentiel.actions import modifier_parametres
from clas.referentiel.models import ParametresBareme
from clas.structures import actions as structures
from clas.structures.models import MembreStructure, RoleMembre
from tests.conventions.conftest import convention, convention_decision  # noqa: F401
from tests.conventions.regularisation_fabrique import (  # noqa: F401
    regul_acompte_paye,
    regul_indu,
    regul_signee,
)
from tests.conventions.test_paiements_retour import lot_retour  # noqa: F401
from tests.instruction.conftest import decision_instruit, decision_proposition  # noqa: F401

pytestmark = pytest.mark.django_db

CHAMPS_FICHE = (
    *("nom", "type_structure", "forme_juridique", "siret", "rna", "adresse", "code_postal"),
    *("commune", "representant_prenom", "representant_nom", "representant_qualite"),
    *("email", "telephone"),
)


def fiche(structure, **changements) -> dict:
    """Les champs du formulaire de la fiche de la structure, avec `changements`."""
    return {nom: getattr(structure, nom) for nom in CHAMPS_FICHE} | changements


MIGRATION = importlib.import_module("clas.journal.migrations.0002_journal_ajout_seul")


@contextmanager
def sans_trigger() -> Iterator[None]:
    """Le temps d'une altération « à la main » : le trigger d'ajout seul est levé, puis
    remis (dans la transaction du test, annulée à la fin)."""
    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute("ALTER TABLE journal_entree DISABLE TRIGGER journal_entree_immuable")
        else:
            curseur.execute(MIGRATION.SQLITE_RETIRER)
        yield
        if connection.vendor == "postgresql":
            curseur.execute("ALTER TABLE journal_entree ENABLE TRIGGER journal_entree_immuable")
        else:
            curseur.execute(MIGRATION.SQLITE_CREER)


def sql(requete: str, *parametres: object) -> None:
    with connection.cursor() as curseur:
        curseur.execute(requete, parametres)


def verifier() -> str:
    sortie = StringIO()
    call_command("verifier_journal", stdout=sortie)
    return sortie.getvalue()


def quatre_entrees() -> list[Entree]:
    for rang in range(4):
        ajouter("essai", "essai", {"rang": rang, "texte": "é€"}, source_id=rang)
    return list(Entree.objects.order_by("numero"))


# --- La chaîne --------------------------------------------------------------------------------


def test_les_entrees_sont_numerotees_et_chainees_par_empreinte() -> None:
    entrees = quatre_entrees()

    assert [entree.numero for entree in entrees] == [1, 2, 3, 4]
    assert entrees[0].precedent == ORIGINE
    for avant, apres in pairwise(entrees):
        assert apres.precedent == avant.empreinte
    for entree in entrees:
        assert empreinte(entree) == entree.empreinte and len(entree.empreinte) == 64
    assert json.loads(entrees[0].contenu) == {"rang": 0, "texte": "é€"}
    assert "Journal intact : 4 entrée(s)" in verifier()


def test_un_journal_vide_est_intact() -> None:
    assert "Journal intact : 0 entrée(s)" in verifier()


def test_ajouter_une_entree_coute_au_plus_trois_requetes(django_assert_max_num_queries) -> None:
    ajouter("essai", "essai", {})
    # Verrou (PostgreSQL), lecture de la tête, insertion.
    with django_assert_max_num_queries(3):
        ajouter("essai", "essai", {})


# --- Ajout seul -----------------------------------------------------------------------------


def test_l_application_refuse_de_modifier_ou_supprimer_une_entree() -> None:
    (entree, *_) = quatre_entrees()

    entree.type = "autre"
    with pytest.raises(JournalImmuable):
        entree.save()
    with pytest.raises(JournalImmuable):
        entree.delete()
    with pytest.raises(JournalImmuable):
        Entree.objects.filter(numero=1).update(type="autre")
    with pytest.raises(JournalImmuable):
        Entree.objects.all().delete()
    assert Entree.objects.count() == 4
    assert "Journal intact" in verifier()


def test_la_base_refuse_une_modification_en_sql() -> None:
    quatre_entrees()

    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        sql("UPDATE journal_entree SET type = 'autre' WHERE numero = 2")

    assert Entree.objects.get(numero=2).type == "essai"


@pytest.mark.postgres
def test_postgresql_refuse_aussi_une_suppression_en_sql() -> None:
    quatre_entrees()

    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        sql("DELETE FROM journal_entree WHERE numero = 2")

    assert Entree.objects.count() == 4


# --- verifier_journal nomme la première entrée fautive ------------------------------------


def test_une_entree_modifiee_en_sql_est_nommee() -> None:
    quatre_entrees()
    with sans_trigger():
        sql("UPDATE journal_entree SET contenu = %s WHERE numero = 2", '{"rang":99}')

    with pytest.raises(CommandError, match=r"Entrée n° 2 : son contenu ne correspond plus"):
        verifier()


def test_une_entree_modifiee_avec_une_empreinte_recalculee_est_vue_a_la_suivante() -> None:
    entrees = quatre_entrees()
    falsifiee = entrees[1]
    falsifiee.contenu = '{"rang":99}'
    with sans_trigger():
        sql(
            "UPDATE journal_entree SET contenu = %s, empreinte = %s WHERE numero = 2",
            falsifiee.contenu,
            empreinte(falsifiee),
        )

    with pytest.raises(CommandError, match=r"Entrée n° 3 : ne suit pas l'entrée précédente"):
        verifier()


def test_une_entree_supprimee_en_sql_est_nommee() -> None:
    quatre_entrees()
    with sans_trigger():
        sql("DELETE FROM journal_entree WHERE numero = 3")

    with pytest.raises(CommandError, match=r"Entrée n° 3 : absente"):
        verifier()


def test_deux_entrees_echangees_en_sql_sont_nommees() -> None:
    quatre_entrees()
    with sans_trigger():
        sql("UPDATE journal_entree SET numero = 0 WHERE numero = 2")
        sql("UPDATE journal_entree SET numero = 2 WHERE numero = 3")
        sql("UPDATE journal_entree SET numero = 3 WHERE numero = 0")

    with pytest.raises(CommandError, match=r"Entrée n° 2 : ne suit pas l'entrée précédente"):
        verifier()


def test_une_fin_de_chaine_supprimee_est_vue_grace_au_condense_exporte(tmp_path) -> None:
    quatre_entrees()
    sortie = StringIO()
    call_command("exporter_tete_journal", stdout=sortie)
    condenses = tmp_path / "tetes.jsonl"
    condenses.write_text(sortie.getvalue(), encoding="utf-8")
    condense = json.loads(sortie.getvalue())
    assert condense["numero"] == 4
    assert condense["empreinte"] == Entree.objects.get(numero=4).empreinte
    call_command("verifier_journal", condenses=condenses, stdout=StringIO())

    with sans_trigger():
        sql("DELETE FROM journal_entree WHERE numero = 4")

    assert "Journal intact" in verifier()  # la chaîne seule ne peut pas le voir
    with pytest.raises(CommandError, match=r"Entrée n° 4 : absente, alors que le condensé"):
        call_command("verifier_journal", condenses=condenses, stdout=StringIO())


def test_le_condense_d_un_jour_passe_et_un_jour_illisible() -> None:
    quatre_entrees()
    sortie = StringIO()
    call_command("exporter_tete_journal", jour="2000-01-01", stdout=sortie)
    assert json.loads(sortie.getvalue()) == {
        "jour": "2000-01-01",
        "numero": 0,
        "empreinte": ORIGINE,
        "horodatage": "",
    }
    with pytest.raises(CommandError, match="écrivez-le AAAA-MM-JJ"):
        call_command("exporter_tete_journal", jour="01/01/2000")


# --- Ce qui est journalisé --------------------------------------------------------------------


def derniere(source: str) -> Entree:
    entree = Entree.objects.filter(source=source).order_by("numero").last()
    assert entree is not None, f"aucune entrée de {source}"
    return entree


def test_une_transition_du_dossier_est_journalisee_et_survit_au_dossier(
    dossier, utilisateurs
) -> None:
    from clas.dossiers.etats import DOSSIER

    evenement = DOSSIER.appliquer(dossier, "deposer", utilisateurs["porteur"], "Déposé.")

    entree = derniere("dossiers.evenement")
    contenu = json.loads(entree.contenu)
    assert (entree.type, entree.source_id, entree.acteur_id) == (
        "deposer",
        str(evenement.pk),
        utilisateurs["porteur"].pk,
    )
    assert contenu["dossier_id"] == dossier.pk
    assert (contenu["etat_avant"], contenu["etat_apres"]) == ("brouillon", "depose")

    dossier.delete()
    assert not Evenement.objects.exists()
    assert Entree.objects.filter(source="dossiers.evenement").count() == 1
    assert "Journal intact" in verifier()


def test_un_evenement_note_est_journalise(dossier, utilisateurs) -> None:
    Evenement.noter(dossier, TypeEvenement.NOTE, "Une note.", auteur=utilisateurs["instructeur"])

    entree = derniere("dossiers.evenement")
    assert entree.type == "note" and json.loads(entree.contenu)["description"] == "Une note."


def test_le_nom_et_le_code_postal_d_une_structure_changes_sont_journalises(
    structure_a, utilisateurs
) -> None:
    ancien = structure_a.nom
    structures.modifier_structure(
        structure_a,
        utilisateurs["porteur"],
        fiche(structure_a, nom="Nouveau nom", code_postal="69100", commune="Villeurbanne"),
    )

    entree = derniere("structures.structure")
    changements = json.loads(entree.contenu)["changements"]
    assert entree.type == "structure_modifiee" and entree.acteur_id == utilisateurs["porteur"].pk
    assert changements["nom"] == [ancien, "Nouveau nom"]
    assert changements["code_postal"][1] == "69100"


def test_l_iban_accepte_par_la_caf_est_journalise(structure_a, utilisateurs) -> None:
    from clas.structures import coordonnees
    from tests.structures.conftest import rib_pdf
    from tests.structures.test_coordonnees import NOUVEAU

    changement = coordonnees.proposer_coordonnees(
        structure_a, utilisateurs["porteur"], NOUVEAU, "CMCIFR2A", rib_pdf()
    )
    coordonnees.accepter_coordonnees(changement, utilisateurs["valideur"])

    types = list(Entree.objects.values_list("type", flat=True))
    assert "coordonnees_proposees" in types and "coordonnees_acceptees" in types
    entree = derniere("structures.structure")
    assert entree.type == "coordonnees_bancaires_changees"
    assert json.loads(entree.contenu)["changements"]["iban"][1] == NOUVEAU.replace(" ", "")


def test_un_changement_de_role_d_un_membre_est_journalise(structure_a, utilisateurs) -> None:
    membre = MembreStructure.objects.create(
        utilisateur=utilisateurs["porteur_autre"], structure=structure_a
    )

    structures.changer_role(membre, utilisateurs["porteur"], RoleMembre.ADMINISTRATEUR)
    structures.retirer_membre(membre, utilisateurs["porteur"])

    modifie, retire = Entree.objects.filter(source="structures.membrestructure")
    assert modifie.type == "role_membre_modifie"
    assert json.loads(modifie.contenu)["role"] == RoleMembre.ADMINISTRATEUR
    assert retire.type == "membre_retire" and retire.acteur_id == utilisateurs["porteur"].pk


def test_les_roles_d_un_agent_sont_journalises(utilisateurs) -> None:
    agent = utilisateurs["instructeur"].agent
    agent.est_valideur = True
    agent.save()

    entree = derniere("comptes.agentcaf")
    assert entree.type == "roles_agent_modifies"
    assert json.loads(entree.contenu)["roles"] == ["instructeur", "valideur"]


def test_un_changement_de_parametres_est_journalise(utilisateurs) -> None:
    parametres = ParametresBareme.objects.get(annee_scolaire="2025-2026")
    modifier_parametres(
        parametres,
        parametres.valeurs() | {"taux": Decimal("0.4")},
        parametres.sources,
        "Nouvelle circulaire.",
        utilisateurs["national"],
        parametres.updated_at.isoformat(),
    )

    entree = derniere("referentiel.parametresbareme")
    (modification,) = json.loads(entree.contenu)["modifications"]
    assert entree.type == "parametres_modifies"
    assert (modification["parametre"], modification["nouvelle_valeur"]) == ("taux", "0.4")


def test_la_suppression_d_un_document_est_journalisee(structure_a, utilisateurs) -> None:
    from tests.structures.test_corbeille import deposee

    piece = deposee(structure_a, utilisateurs["porteur"])
    structures.supprimer_piece(piece, utilisateurs["porteur"])

    entree = derniere("structures.evenementpiece")
    assert entree.type == "supprimee" and entree.acteur_id == utilisateurs["porteur"].pk
    assert json.loads(entree.contenu)["nom_fichier"] == "assurance-2026.pdf"


def test_la_connexion_d_un_agent_est_journalisee_pas_celle_d_un_porteur(utilisateurs) -> None:
    for persona in ("instructeur", "porteur"):
        Client().force_login(utilisateurs[persona])

    (entree,) = Entree.objects.filter(source="comptes.connexion")
    assert entree.acteur_id == utilisateurs["instructeur"].pk
    assert json.loads(entree.contenu)["caf_id"] == utilisateurs["instructeur"].agent.caf_id


# --- En masse ---------------------------------------------------------------------------------


def test_ajouter_en_masse_chaine_dans_l_ordre_en_trois_requetes_quel_que_soit_le_nombre(
    django_assert_max_num_queries,
) -> None:
    from clas.journal.chaine import Ajout, ajouter_en_masse

    ajouter("essai", "essai", {})
    # Verrou (PostgreSQL), lecture de la tête, une insertion (111 entrées au plus sur
    # SQLite, limité à 999 paramètres par requête ; 500 sur PostgreSQL).
    with django_assert_max_num_queries(3):
        entrees = ajouter_en_masse([Ajout("essai", "masse", {"rang": r}, r) for r in range(100)])

    assert [entree.numero for entree in entrees] == list(range(2, 102))
    assert entrees[0].precedent == Entree.objects.get(numero=1).empreinte
    assert json.loads(Entree.objects.get(numero=101).contenu) == {"rang": 99}
    assert "Journal intact : 101 entrée(s)" in verifier()


def test_recopier_en_masse_ecrit_ce_qu_ecrirait_l_enregistrement_une_par_une(
    dossier, utilisateurs
) -> None:
    from clas.journal.chaine import recopier_en_masse

    evenement = Evenement.noter(
        dossier, TypeEvenement.NOTE, "Une note.", auteur=utilisateurs["instructeur"]
    )
    par_signal = derniere("dossiers.evenement")

    (recopie,) = recopier_en_masse([evenement])

    def recu(entree: Entree) -> tuple:
        return (entree.source, entree.type, entree.contenu, entree.source_id, entree.acteur_id)

    assert recu(recopie) == recu(par_signal)
    assert recopie.numero == par_signal.numero + 1
    with pytest.raises(ValueError, match="n'est pas inscrit"):
        recopier_en_masse([dossier])


@pytest.fixture
def lot_de_trois(lot_retour):  # noqa: F811 (la fixture importée, demandée par son nom)
    """Le lot des tests du retour de la banque : trois versements validés mis en paiement."""
    return lot_retour


def test_un_lot_cree_en_masse_journalise_chaque_versement_puis_le_lot(
    lot_de_trois, utilisateurs
) -> None:
    import hashlib

    versements = list(lot_de_trois.versements.order_by("pk"))
    evenements = Evenement.objects.filter(type=TypeEvenement.VERSEMENT_MIS_EN_PAIEMENT)
    mis, lot = (
        list(Entree.objects.filter(type=TypeEvenement.VERSEMENT_MIS_EN_PAIEMENT)),
        derniere("versements.lotpaiement"),
    )

    assert len(mis) == 3 and {e.source for e in mis} == {"dossiers.evenement"}
    assert [e.source_id for e in mis] == [str(pk) for pk in evenements.values_list("pk", flat=True)]
    assert [json.loads(e.contenu)["objet_id"] for e in mis] == [v.pk for v in versements]
    assert {e.acteur_id for e in mis} == {utilisateurs["comptable"].pk}
    assert json.loads(mis[0].contenu)["etat_apres"] == "mis_en_paiement"
    contenu = json.loads(lot.contenu)
    assert (lot.type, lot.source_id, lot.acteur_id) == (
        "lot_cree",
        str(lot_de_trois.pk),
        utilisateurs["comptable"].pk,
    )
    assert lot.numero == mis[-1].numero + 1 == Entree.objects.count()
    assert contenu["numero"] == lot_de_trois.numero and contenu["nb_versements"] == 3
    assert contenu["montant_total"] == "5250.00"  # 70 % de 4 500, 1 000 et 2 000 €
    assert contenu["versements"] == [v.pk for v in versements]
    with lot_de_trois.fichier_sepa.open("rb") as fichier:
        assert contenu["empreinte_sepa"] == hashlib.sha256(fichier.read()).hexdigest()
    assert "Journal intact" in verifier()


def test_un_versement_paye_au_retour_de_la_banque_est_journalise(lot_de_trois, utilisateurs):
    from django.utils import timezone

    from clas.versements.retour_banque import importer_retour
    from tests.conventions.test_paiements_retour import ENTETE, _csv, _refs

    a, *_ = _refs(lot_de_trois)
    ligne = f"{a};paye;{timezone.localdate():%d/%m/%Y};VIR-118;\n"
    importer_retour(lot_de_trois, _csv(ENTETE + ligne), utilisateurs["comptable"])

    entree = derniere("dossiers.evenement")
    contenu = json.loads(entree.contenu)
    assert (entree.type, entree.acteur_id) == ("versement_paye", utilisateurs["comptable"].pk)
    assert (contenu["etat_avant"], contenu["etat_apres"]) == ("mis_en_paiement", "paye")
    assert "VIR-118" in contenu["description"]
    assert "Journal intact" in verifier()


# --- Équipes, campagnes, comptes, transferts ----------------------------------------------


def test_la_desactivation_d_un_agent_et_son_motif_sont_journalises(
    utilisateurs, utilisateur_responsable
) -> None:
    from clas.comptes import equipes

    agent = utilisateurs["instructeur"].agent
    equipes.desactiver(agent, utilisateur_responsable, "Départ de la Caf le 30/11/2026")

    entree = derniere("comptes.evenementagent")
    contenu = json.loads(entree.contenu)
    assert (entree.type, entree.acteur_id) == ("desactivation", utilisateur_responsable.pk)
    assert (contenu["agent_id"], contenu["caf_id"]) == (agent.pk, agent.caf_id)
    assert contenu["motif"] == "Départ de la Caf le 30/11/2026"


def test_une_campagne_ouverte_puis_son_enveloppe_changee_sont_journalisees(
    caf_rhone, utilisateurs
) -> None:
    import datetime as dt

    from django.utils import timezone

    from clas.campagnes.actions import enregistrer_campagne

    valideur = utilisateurs["valideur"]
    ouverture = timezone.make_aware(dt.datetime(2026, 9, 1, 9))
    donnees = {
        "annee_scolaire": "2026-2027",
        "titre": "Appel à projets Clas 2026-2027",
        "ouverture": ouverture,
        "cloture": ouverture + dt.timedelta(days=30),
        "enveloppe": Decimal("150000.00"),
    }
    campagne = enregistrer_campagne(donnees, valideur.agent, valideur)
    enregistrer_campagne(
        donnees | {"enveloppe": Decimal("180000.00")}, valideur.agent, valideur, campagne
    )
    enregistrer_campagne(  # rien de changé : rien de journalisé
        donnees | {"enveloppe": Decimal("180000.00")}, valideur.agent, valideur, campagne
    )

    creee, modifiee = Entree.objects.filter(source="campagnes.campagne")
    assert (creee.type, creee.source_id, creee.acteur_id) == (
        "campagne_creee",
        str(campagne.pk),
        valideur.pk,
    )
    contenu = json.loads(creee.contenu)
    assert (contenu["enveloppe"], contenu["caf_id"]) == ("150000.00", caf_rhone.pk)
    assert contenu["ouverture"] == "2026-09-01T07:00:00+00:00"
    assert modifiee.type == "campagne_modifiee" and modifiee.acteur_id == valideur.pk
    assert json.loads(modifiee.contenu)["changements"] == {"enveloppe": ["150000.00", "180000.00"]}


def test_le_compte_bancaire_de_la_caf_change_est_journalise(caf_rhone, utilisateurs) -> None:
    from clas.versements import compte_caf
    from tests.conventions.paiements_fabrique import IBAN_CAF, donner_un_compte
    from tests.conventions.test_compte_caf import NOUVEAU_BIC, NOUVEL_IBAN

    donner_un_compte(caf_rhone)
    changement = compte_caf.proposer_compte_caf(
        caf_rhone, utilisateurs["valideur"], "Agence comptable", NOUVEL_IBAN, NOUVEAU_BIC
    )
    compte_caf.approuver_compte_caf(changement, utilisateurs["comptable"])

    types = set(Entree.objects.values_list("type", flat=True))
    assert {"compte_caf_propose", "compte_caf_approuve"} <= types
    entree = derniere("referentiel.caf")
    assert (entree.type, entree.acteur_id) == ("compte_caf_change", utilisateurs["comptable"].pk)
    assert json.loads(entree.contenu)["changements"]["iban"] == [IBAN_CAF, NOUVEL_IBAN]


def test_le_transfert_d_une_structure_a_une_autre_caf_est_journalise(
    structure_a, utilisateurs, caf_rhone, caf_somme
) -> None:
    from clas.structures import transferts

    transfert = structures.modifier_structure(
        structure_a,
        utilisateurs["porteur"],
        fiche(structure_a, code_postal="80100", commune="Abbeville", adresse="1 place du Marché"),
    )
    assert transfert is not None
    transferts.confirmer_transfert(transfert, utilisateurs["instructeur"])

    assert Entree.objects.filter(source="structures.evenementtransfert").count() >= 2
    entree = derniere("structures.structure")
    changements = json.loads(entree.contenu)["changements"]
    assert (entree.type, entree.acteur_id) == (
        "structure_transferee",
        utilisateurs["instructeur"].pk,
    )
    assert changements["caf_id"] == [caf_rhone.pk, caf_somme.pk]
    assert changements["code_postal"][1] == "80100"


# --- La décision et la signature ----------------------------------------------------------


def test_la_decision_validee_puis_la_signature_sont_journalisees(
    decision_proposition,  # noqa: F811 (la fixture importée, demandée par son nom)
    utilisateurs,
    django_capture_on_commit_callbacks,
) -> None:
    from clas.conventions.actions import signer
    from clas.conventions.models import Convention
    from clas.instruction import decisions
    from tests.factories import MOT_DE_PASSE

    with django_capture_on_commit_callbacks(execute=True):
        decisions.valider(decision_proposition, utilisateurs["valideur"])
    a_signer = Convention.objects.get(dossier=decision_proposition.dossier)
    signer(a_signer, utilisateurs["porteur"], MOT_DE_PASSE)

    par_type = {
        entree.type: entree for entree in Entree.objects.filter(source="dossiers.evenement")
    }
    valideur, porteur = utilisateurs["valideur"].pk, utilisateurs["porteur"].pk
    assert par_type["proposition_validee"].acteur_id == valideur
    accord = json.loads(par_type["accepter"].contenu)
    assert (accord["etat_avant"], accord["etat_apres"]) == ("en_instruction", "accepte")
    assert par_type["convention_signee"].acteur_id == porteur
    assert "acompte_cree" in par_type
    assert "Journal intact" in verifier()


def test_l_indu_notifie_puis_rembourse_est_journalise(
    regul_indu,  # noqa: F811 (la fixture importée, demandée par son nom)
    utilisateurs,
) -> None:
    from django.utils import timezone

    from clas.bilans import regularisation

    comptable = utilisateurs["comptable"]
    regularisation.enregistrer_remboursement(
        regul_indu, comptable, Decimal("2150.00"), timezone.localdate(), "VIR-1"
    )

    par_type = {
        entree.type: entree for entree in Entree.objects.filter(source="dossiers.evenement")
    }
    assert par_type["versement_paye"].acteur_id == comptable.pk
    notifie = json.loads(par_type["indu_notifie"].contenu)
    assert notifie["objet"] == "indu" and notifie["objet_id"] == regul_indu.pk
    rembourse = json.loads(par_type["indu_rembourse"].contenu)
    assert (rembourse["etat_avant"], rembourse["etat_apres"]) == ("ouvert", "rembourse")
    assert par_type["remboursement"].acteur_id == comptable.pk
    assert "cloturer" in par_type
    assert "Journal intact" in verifier()
