"""Le pain.002 de la banque, statut par statut : ACTC/ACCP/ACSP (accepté, pas encore
réglé), ACSC (payé), RJCT (motif en français), statuts d'attente, statuts de groupe et de
bloc sans opérations ; un fichier mixte ; l'idempotence ; le rapport dans la page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Evenement
from clas.versements.models import EtatVersement, Mouvement, Versement
from clas.versements.retour_banque import RetourInvalide, importer_retour, motif_de_rejet
from clas.versements.sections import versements_structure

# Le lot et les références viennent des tests du retour CSV : un seul lot de référence.
from tests.conventions.test_paiements_retour import _refs, lot_retour  # noqa: F401
from tests.outils import texte

pytestmark = pytest.mark.django_db

E = EtatVersement


@pytest.fixture
def lot(lot_retour):  # noqa: F811 (la fixture importée, demandée par son nom)
    """Le lot de trois versements des tests du retour CSV (tests/conventions)."""
    return lot_retour


def _etats() -> dict[str, str]:
    return dict(Versement.objects.values_list("reference", "etat"))


def _tx(reference: str, statut: str, raison: str = "", extra: str = "") -> str:
    motif = f"<StsRsnInf><Rsn><Cd>{raison}</Cd></Rsn></StsRsnInf>" if raison else ""
    return (
        f"<TxInfAndSts><StsId>S-{reference[-4:]}</StsId><OrgnlEndToEndId>{reference}"
        f"</OrgnlEndToEndId><TxSts>{statut}</TxSts>{motif}{extra}</TxInfAndSts>"
    )


def _pain002(
    lot,
    blocs: str = "",
    groupe: str = "",
    version: str = "pain.002.001.03",
    msg_original: str | None = None,
) -> SimpleUploadedFile:
    aujourdhui = timezone.localdate().isoformat()
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>BANQUE-RETOUR-7</MsgId><CreDtTm>{aujourdhui}T08:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>{msg_original or lot.numero}</OrgnlMsgId>
      <OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>{groupe}</OrgnlGrpInfAndSts>
    {blocs}
  </CstmrPmtStsRpt>
</Document>"""
    return SimpleUploadedFile("retour.xml", xml.encode("utf-8"))


def _bloc(lot, contenu: str, statut: str = "", identifiant: str | None = None) -> str:
    sts = f"<PmtInfSts>{statut}</PmtInfSts>" if statut else ""
    return (
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{identifiant or lot.numero}</OrgnlPmtInfId>"
        f"{sts}{contenu}</OrgnlPmtInfAndSts>"
    )


@pytest.mark.parametrize("code", ["ACTC", "ACCP", "ACSP"])
def test_un_statut_d_acceptation_rend_le_versement_accepte_par_la_banque(lot, utilisateurs, code):
    a, b, _c = _refs(lot)

    rapport = importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, code))), utilisateurs["comptable"]
    )

    versement = Versement.objects.get(reference=a)
    assert versement.etat == E.ACCEPTE_BANQUE
    assert versement.get_etat_display() == "Accepté par la banque"
    assert versement.code_banque == code
    assert versement.accepte_banque_le == timezone.localdate()
    assert not Mouvement.objects.exists()  # pas encore réglé : rien au grand livre
    assert [v.reference for v in rapport.acceptes] == [a]
    assert rapport.appliquees[0].texte.startswith(f"Opération 1 : {a} accepté par la banque le")
    evenement = Evenement.objects.get(type=TypeEvenement.VERSEMENT_ACCEPTE_BANQUE)
    assert (evenement.etat_avant, evenement.etat_apres) == (E.MIS_EN_PAIEMENT, E.ACCEPTE_BANQUE)
    assert evenement.objet_id == versement.pk
    assert _etats()[b] == E.MIS_EN_PAIEMENT


def test_acsc_apres_une_acceptation_paie_et_inscrit_au_grand_livre(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    importer_retour(lot, _pain002(lot, _bloc(lot, _tx(a, "ACSP"))), utilisateurs["comptable"])

    rapport = importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, "ACSC"))), utilisateurs["comptable"]
    )

    versement = Versement.objects.get(reference=a)
    assert versement.etat == E.PAYE and versement.code_banque == "ACSC"
    assert versement.paye_le == timezone.localdate()
    assert versement.reference_bancaire == f"S-{a[-4:]}"
    assert versement.mouvement.montant == versement.montant
    assert [v.reference for v in rapport.payes] == [a]
    # Un ACSP arrivé en retard, après le paiement, ne change rien.
    tardif = importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, "ACSP"))), utilisateurs["comptable"]
    )
    assert tardif.deja_applique
    assert tardif.lignes == [f"Opération 1 : {a} déjà payé : rien n'a changé."]


@pytest.mark.parametrize(
    ("raison", "motif"),
    [
        ("AC01", "Rejet bancaire AC01 : IBAN incorrect."),
        ("AC04", "Rejet bancaire AC04 : compte clos."),
        ("AC06", "Rejet bancaire AC06 : compte bloqué."),
        ("AG01", "Rejet bancaire AG01 : opération interdite sur ce compte."),
        ("AM04", "Rejet bancaire AM04 : provision insuffisante."),
        ("MD07", "Rejet bancaire MD07 : titulaire décédé."),
        ("MS02", "Rejet bancaire MS02 : raison non précisée par le bénéficiaire."),
        ("MS03", "Rejet bancaire MS03 : raison non précisée par la banque."),
        ("BE05", "Rejet bancaire BE05 : émetteur non reconnu."),
        ("RR01", "Rejet bancaire RR01 : identification du compte manquante."),
        ("XY42", "Rejet bancaire : motif XY42."),
        ("", "Rejet bancaire : motif non précisé."),
    ],
)
def test_rjct_rejette_avec_le_motif_en_francais(lot, utilisateurs, raison, motif):
    a, _b, _c = _refs(lot)
    rapport = importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, "RJCT", raison))), utilisateurs["comptable"]
    )
    versement = Versement.objects.get(reference=a)
    assert versement.etat == E.REJETE
    assert versement.motif_rejet == motif
    assert versement.code_banque == "RJCT"
    assert rapport.appliquees[0].texte.endswith(f": {motif}")


def test_sans_stsid_la_reference_bancaire_est_celle_du_message(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    operation = (
        f"<TxInfAndSts><OrgnlEndToEndId>{a}</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>"
    )
    importer_retour(lot, _pain002(lot, _bloc(lot, operation)), utilisateurs["comptable"])
    assert Versement.objects.get(reference=a).reference_bancaire == "BANQUE-RETOUR-7"


def test_un_rejet_apres_acceptation_est_applique(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    importer_retour(lot, _pain002(lot, _bloc(lot, _tx(a, "ACCP"))), utilisateurs["comptable"])
    importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, "RJCT", "AC04"))), utilisateurs["comptable"]
    )
    assert _etats()[a] == E.REJETE


def test_le_complement_du_motif_et_le_code_propre_a_la_banque_sont_lus(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    operation = (
        f"<TxInfAndSts><OrgnlEndToEndId>{a}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        "<StsRsnInf><Rsn><Prtry>B123</Prtry></Rsn><AddtlInf>Compte inconnu</AddtlInf>"
        "</StsRsnInf></TxInfAndSts>"
    )
    importer_retour(lot, _pain002(lot, _bloc(lot, operation)), utilisateurs["comptable"])
    assert Versement.objects.get(reference=a).motif_rejet == (
        "Rejet bancaire : motif B123 (Compte inconnu)."
    )


@pytest.mark.parametrize("code", ["PDNG", "RCVD"])
def test_un_statut_d_attente_est_ignore_et_le_rapport_le_dit(lot, utilisateurs, code):
    a, _b, _c = _refs(lot)
    rapport = importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, code))), utilisateurs["comptable"]
    )
    assert _etats()[a] == E.MIS_EN_PAIEMENT
    assert rapport.ignorees[0].texte.startswith(f"Opération 1 : {a} : statut {code} (")
    assert rapport.inchange


def test_un_statut_de_groupe_sans_operations_vaut_pour_tout_le_lot(lot, utilisateurs):
    refs = _refs(lot)

    rapport = importer_retour(
        lot, _pain002(lot, groupe="<GrpSts>ACSC</GrpSts>"), utilisateurs["comptable"]
    )

    assert set(_etats().values()) == {E.PAYE}
    assert Mouvement.objects.count() == 3
    assert len(rapport.payes) == 3
    assert [r.texte.split(" : ")[0] for r in rapport.appliquees] == ["Statut du lot (ACSC)"] * 3
    assert Versement.objects.get(reference=refs[0]).reference_bancaire == "BANQUE-RETOUR-7"


def test_un_rejet_de_groupe_rejette_tout_le_lot_avec_son_motif(lot, utilisateurs):
    groupe = "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>"
    importer_retour(lot, _pain002(lot, groupe=groupe), utilisateurs["comptable"])
    assert set(Versement.objects.values_list("etat", "motif_rejet")) == {
        (E.REJETE, "Rejet bancaire AM04 : provision insuffisante.")
    }


def test_un_statut_de_bloc_sans_operations_vaut_pour_le_bloc(lot, utilisateurs):
    rapport = importer_retour(
        lot,
        _pain002(lot, _bloc(lot, "", statut="ACTC"), groupe="<GrpSts>ACTC</GrpSts>"),
        utilisateurs["comptable"],
    )
    assert set(_etats().values()) == {E.ACCEPTE_BANQUE}
    assert len(rapport.acceptes) == 3
    assert rapport.appliquees[0].texte.startswith(f"Statut du bloc {lot.numero} (ACTC) : ")


def test_un_statut_de_groupe_d_un_autre_lot_est_refuse_sans_rien_toucher(lot, utilisateurs):
    rapport = importer_retour(
        lot,
        _pain002(lot, groupe="<GrpSts>ACSC</GrpSts>", msg_original="LOT-AUTRE"),
        utilisateurs["comptable"],
    )
    assert set(_etats().values()) == {E.MIS_EN_PAIEMENT}
    assert rapport.refusees[0].texte == (
        f"Statut du lot (ACSC) : il désigne « LOT-AUTRE », pas le lot {lot.numero} : rien "
        "n'est appliqué à ses versements."
    )


def test_les_operations_priment_sur_le_statut_de_groupe(lot, utilisateurs):
    """PART au groupe, le détail dans les opérations : seules les opérations s'appliquent,
    celles sans TxSts prennent le statut de leur bloc."""
    a, b, c = _refs(lot)
    operation_sans_statut = f"<TxInfAndSts><OrgnlEndToEndId>{c}</OrgnlEndToEndId></TxInfAndSts>"
    rapport = importer_retour(
        lot,
        _pain002(
            lot,
            _bloc(lot, _tx(a, "RJCT", "AC01") + operation_sans_statut, statut="ACSP")
            + _bloc(lot, _tx(b, "ACSC"), identifiant="AUTRE-BLOC"),
            groupe="<GrpSts>PART</GrpSts>",
        ),
        utilisateurs["comptable"],
    )
    assert _etats() == {a: E.REJETE, b: E.PAYE, c: E.ACCEPTE_BANQUE}
    assert len(rapport.appliquees) == 3


def test_un_fichier_mixte_applique_ignore_et_refuse_ligne_par_ligne(lot, utilisateurs):
    a, b, c = _refs(lot)
    importer_retour(lot, _pain002(lot, _bloc(lot, _tx(c, "ACSC"))), utilisateurs["comptable"])

    rapport = importer_retour(
        lot,
        _pain002(
            lot,
            _bloc(
                lot,
                _tx(a, "ACSP")
                + _tx(b, "RJCT", "MD07")
                + _tx(c, "ACSC")  # déjà payé : ignoré
                + _tx("CLAS-INCONNUE", "ACSC")
                + _tx(a, "ACSC")  # en double dans le fichier
                + _tx(b, "ZZZZ"),
            ),
            version="pain.002.001.10",
        ),
        utilisateurs["comptable"],
    )

    assert _etats() == {a: E.ACCEPTE_BANQUE, b: E.REJETE, c: E.PAYE}
    assert [r.lieu for r in rapport.appliquees] == ["Opération 1", "Opération 2"]
    assert [r.texte for r in rapport.refusees] == [
        f"Opération 4 : la référence « CLAS-INCONNUE » n'est pas dans le lot {lot.numero}.",
        f"Opération 5 : la référence {a} figure déjà (opération 1).",
        "Opération 6 : Statut « ZZZZ » inconnu (attendus : ACTC, ACCP, ACSP, ACSC, RJCT, ou "
        "un statut d'attente).",
    ]
    assert [r.texte for r in rapport.ignorees] == [
        f"Opération 3 : {c} déjà payé : rien n'a changé."
    ]
    assert Mouvement.objects.count() == 1


def test_un_rejet_apres_paiement_est_refuse(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    importer_retour(lot, _pain002(lot, _bloc(lot, _tx(a, "ACSC"))), utilisateurs["comptable"])
    rapport = importer_retour(
        lot, _pain002(lot, _bloc(lot, _tx(a, "RJCT", "AC04"))), utilisateurs["comptable"]
    )
    assert rapport.refusees[0].texte == (
        f"Opération 1 : {a} est déjà payé (le {timezone.localdate():%d/%m/%Y}) : un rejet "
        "après paiement se traite hors de la plateforme."
    )
    assert _etats()[a] == E.PAYE


def test_reimporter_le_meme_fichier_ne_change_rien_et_le_rapport_le_dit(lot, utilisateurs):
    a, b, c = _refs(lot)
    fichier = _pain002(lot, _bloc(lot, _tx(a, "ACSC") + _tx(b, "RJCT", "AC04") + _tx(c, "ACSP")))
    premier = importer_retour(lot, fichier, utilisateurs["comptable"])
    assert len(premier.appliquees) == 3
    evenements = Evenement.objects.count()
    etats = _etats()

    second = importer_retour(lot, fichier, utilisateurs["comptable"])

    assert second.deja_applique
    assert second.lignes == [
        f"Opération 1 : {a} déjà payé : rien n'a changé.",
        f"Opération 2 : {b} déjà rejeté : rien n'a changé.",
        f"Opération 3 : {c} déjà accepté par la banque : rien n'a changé.",
    ]
    assert _etats() == etats
    assert Evenement.objects.count() == evenements
    assert Mouvement.objects.count() == 1


def test_un_pain002_sans_operation_ni_statut_est_refuse_en_entier(lot, utilisateurs):
    with pytest.raises(RetourInvalide, match="ni opération"):
        importer_retour(lot, _pain002(lot), utilisateurs["comptable"])


def test_motif_de_rejet():
    assert motif_de_rejet("ac04", "solde") == "Rejet bancaire AC04 : compte clos (solde)."


def test_la_page_du_lot_affiche_le_rapport_en_francais(client_de, lot, utilisateurs):
    a, b, c = _refs(lot)
    comptable = client_de("comptable")
    url = reverse("paiements_lot_retour", args=[lot.pk])
    fichier = _pain002(
        lot, _bloc(lot, _tx(a, "ACSP") + _tx(b, "RJCT", "AC06") + _tx("INCONNUE", "ACSC"))
    )

    reponse = comptable.post(url, {"fichier": fichier})

    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Retour de la banque appliqué en partie" in page
    assert "2 appliquées, 0 ignorée, 1 refusée." in page
    assert f"Opération 1 : {a} accepté par la banque le" in page
    assert "Rejet bancaire AC06 : compte bloqué." in page
    assert "Opération 3 : la référence « INCONNUE » n'est pas dans le lot" in page
    assert "Accepté par la banque" in page  # le badge du versement dans la table

    fichier.seek(0)
    encore = texte(comptable.post(url, {"fichier": fichier}))
    assert "Rien n'a changé : les autres lignes avaient déjà été appliquées" in encore
    assert "0 appliquée, 2 ignorées, 1 refusée." in encore
    assert _etats()[c] == E.MIS_EN_PAIEMENT


def test_la_structure_voit_que_son_virement_est_accepte_par_la_banque(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    importer_retour(lot, _pain002(lot, _bloc(lot, _tx(a, "ACTC"))), utilisateurs["comptable"])
    versement = Versement.objects.get(reference=a)
    section = versements_structure(versement.convention.dossier, None, {})
    page = render_to_string("versements/_versements_structure.html", {"section": section})
    assert "Accepté par la banque" in page
    assert (
        f"Virement accepté par la banque le {timezone.localdate():%d/%m/%Y}, pas encore arrivé "
        "sur votre compte." in " ".join(page.split())
    )


def test_le_csv_connait_aussi_l_acceptation(lot, utilisateurs):
    a, _b, _c = _refs(lot)
    fichier = SimpleUploadedFile(
        "retour.csv",
        (
            "reference;statut;date;reference_bancaire;motif\n"
            f"{a};accepté;{timezone.localdate():%d/%m/%Y};;\n"
        ).encode(),
    )
    rapport = importer_retour(lot, fichier, utilisateurs["comptable"])
    assert _etats()[a] == E.ACCEPTE_BANQUE
    assert rapport.appliquees[0].texte.startswith(f"Ligne 2 : {a} accepté par la banque le")


def test_la_page_dit_qu_un_retour_deja_applique_ne_change_rien(client_de, lot):
    a, b, _c = _refs(lot)
    comptable = client_de("comptable")
    url = reverse("paiements_lot_retour", args=[lot.pk])
    fichier = _pain002(lot, _bloc(lot, _tx(a, "ACSC") + _tx(b, "ACCP")))
    premiere = texte(comptable.post(url, {"fichier": fichier}))
    assert (
        "Retour de la banque appliqué : 1 versement payé, 1 acceptation de la banque, 0 rejet."
        in premiere
    )

    fichier.seek(0)
    reponse = comptable.post(url, {"fichier": fichier})

    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Ce retour avait déjà été appliqué : rien n'a changé." in page
    assert "0 appliquée, 2 ignorées, 0 refusée." in page
    assert f"Opération 2 : {b} déjà accepté par la banque : rien n'a changé." in page
