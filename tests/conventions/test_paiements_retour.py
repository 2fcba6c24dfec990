"""L'import du retour de la banque (CSV documenté ou pain.002) : ligne par ligne, avec un
rapport (appliquées, ignorées, refusées) ; rejouer le même fichier ne change rien. Les statuts
pain.002 un par un : tests/versements/test_retour_pain002.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from clas.bilans import regularisation
from clas.versements import actions as paiements
from clas.versements import grand_livre
from clas.versements.models import EtatVersement, Mouvement, TypeMouvement, Versement
from clas.versements.retour_banque import RetourInvalide, importer_retour
from tests.instruction.outils import creer_campagne

from .paiements_fabrique import convention_signee, donner_un_compte

E = EtatVersement
ENTETE = "reference;statut;date;reference_bancaire;motif\n"


@pytest.fixture
def lot_retour(caf_rhone, utilisateurs, monkeypatch):
    monkeypatch.setattr(regularisation, "cloturer_si_termine", lambda c, a: False)
    donner_un_compte(caf_rhone)
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])
    for montant in ("4500.00", "1000.00", "2000.00"):
        convention_signee(
            caf_rhone,
            utilisateurs["instructeur"],
            utilisateurs["valideur"],
            montant,
            campagne=campagne,
            etat=E.VALIDE,
        )
    return paiements.creer_lot(caf_rhone, utilisateurs["comptable"], timezone.localdate()).lot


def _refs(lot) -> list[str]:
    return list(lot.versements.order_by("pk").values_list("reference", flat=True))


def _csv(texte: str, nom: str = "retour.csv", bom: bool = False) -> SimpleUploadedFile:
    contenu = texte.encode("utf-8")
    return SimpleUploadedFile(nom, (b"\xef\xbb\xbf" if bom else b"") + contenu)


def _aujourdhui() -> str:
    return f"{timezone.localdate():%d/%m/%Y}"


def test_un_csv_paie_et_rejette_chaque_ligne(lot_retour, utilisateurs):
    a, b, c = _refs(lot_retour)
    fichier = _csv(
        ENTETE
        + f"{a};paye;{_aujourdhui()};VIR-118;\n"
        + f"{b};Rejeté;{_aujourdhui()};;Compte clos (AC04)\n",
        bom=True,
    )

    rapport = importer_retour(lot_retour, fichier, utilisateurs["comptable"])

    etats = dict(Versement.objects.values_list("reference", "etat"))
    assert etats == {a: E.PAYE, b: E.REJETE, c: E.MIS_EN_PAIEMENT}
    assert [v.reference for v in rapport.payes] == [a]
    assert [v.reference for v in rapport.rejetes] == [b]
    assert rapport.lignes[0].startswith(f"Ligne 2 : {a} payé le")
    assert "Compte clos (AC04)" in rapport.lignes[1]
    paye = Versement.objects.get(reference=a)
    assert paye.reference_bancaire == "VIR-118"
    assert paye.mouvement.montant == paye.montant
    assert Versement.objects.get(reference=b).motif_rejet == "Compte clos (AC04)"
    lot_retour.refresh_from_db()
    assert lot_retour.traite_par == utilisateurs["comptable"]


def test_rejouer_le_meme_fichier_ne_change_rien(lot_retour, utilisateurs):
    a, b, _c = _refs(lot_retour)
    texte = ENTETE + f"{a};paye;{_aujourdhui()};VIR-118;\n{b};rejete;;;IBAN inconnu\n"
    importer_retour(lot_retour, _csv(texte), utilisateurs["comptable"])

    rapport = importer_retour(lot_retour, _csv(texte), utilisateurs["comptable"])

    assert rapport.inchange
    assert rapport.lignes == [
        f"Ligne 2 : {a} déjà payé : rien n'a changé.",
        f"Ligne 3 : {b} déjà rejeté : rien n'a changé.",
    ]
    assert Mouvement.objects.count() == 1


def test_un_fichier_mixte_applique_les_bonnes_lignes_et_dit_pourquoi_il_refuse_les_autres(
    lot_retour, utilisateurs
):
    a, b, c = _refs(lot_retour)
    fichier = _csv(
        ENTETE
        + f"{a};paye;{_aujourdhui()};VIR-118;\n"
        + "CLAS-INCONNUE;paye;01/12/2026;VIR;\n"
        + f"{b};payé;32/13/2026;VIR;\n"
        + f"{c};rejete;;;\n"
        + f"{a};paye;{_aujourdhui()};VIR;\n"
        + "x;peut-etre;;;\n"
    )

    rapport = importer_retour(lot_retour, fichier, utilisateurs["comptable"])

    assert [r.texte for r in rapport.appliquees] == [
        f"Ligne 2 : {a} payé le {_aujourdhui()} (3\u00a0150,00\u00a0€)."
    ]
    assert [r.texte for r in rapport.refusees] == [
        f"Ligne 3 : la référence « CLAS-INCONNUE » n'est pas dans le lot {lot_retour.numero}.",
        "Ligne 4 : Date « 32/13/2026 » illisible ; écrivez-la jj/mm/aaaa.",
        "Ligne 5 : Un rejet a besoin de son motif.",
        f"Ligne 6 : la référence {a} figure déjà (ligne 2).",
        "Ligne 7 : Statut « peut-etre » inconnu ; écrivez « paye », « rejete » ou « accepte ».",
    ]
    etats = dict(Versement.objects.values_list("reference", "etat"))
    assert etats == {a: E.PAYE, b: E.MIS_EN_PAIEMENT, c: E.MIS_EN_PAIEMENT}
    assert Mouvement.objects.count() == 1


def test_payer_un_versement_deja_rejete_est_refuse(lot_retour, utilisateurs):
    a, _b, _c = _refs(lot_retour)
    importer_retour(
        lot_retour, _csv(ENTETE + f"{a};rejete;;;Compte clos\n"), utilisateurs["comptable"]
    )
    rapport = importer_retour(
        lot_retour,
        _csv(ENTETE + f"{a};paye;{_aujourdhui()};VIR;\n"),
        utilisateurs["comptable"],
    )
    assert rapport.inchange and not rapport.deja_applique
    assert rapport.refusees[0].texte == (
        f"Ligne 2 : {a} est déjà rejeté, il ne peut pas être payé."
    )
    assert Versement.objects.get(reference=a).etat == E.REJETE


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        ("", "est vide"),
        ("ref,statut\nA,paye\n", "la première ligne doit être l'en-tête"),
        (ENTETE, "aucune ligne"),
    ],
)
def test_un_fichier_mal_forme_est_explique(lot_retour, utilisateurs, contenu, message):
    with pytest.raises(RetourInvalide) as invalide:
        importer_retour(lot_retour, _csv(contenu), utilisateurs["comptable"])
    assert message in " ".join(invalide.value.erreurs)


def test_une_date_a_venir_ou_une_colonne_en_trop_refuse_la_ligne(lot_retour, utilisateurs):
    a, b, _c = _refs(lot_retour)
    demain = timezone.localdate() + dt.timedelta(days=1)
    rapport = importer_retour(
        lot_retour,
        _csv(ENTETE + f"{a};paye;{demain:%d/%m/%Y};VIR;\n" + f"{b};rejete;;;motif;en trop\n"),
        utilisateurs["comptable"],
    )
    assert [r.texte for r in rapport.refusees] == [
        f"Ligne 2 : La date {demain:%d/%m/%Y} est à venir.",
        "Ligne 3 : 6 colonnes au lieu de 5 (un point-virgule en trop dans le motif ?).",
    ]
    assert not Versement.objects.exclude(etat=E.MIS_EN_PAIEMENT).exists()


def _pain002(operations: str, date: str | None = None) -> SimpleUploadedFile:
    date = date or timezone.localdate().isoformat()
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>BANQUE-RETOUR-42</MsgId><CreDtTm>{date}T09:15:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>LOT</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts><OrgnlPmtInfId>LOT</OrgnlPmtInfId>{operations}</OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>"""
    return SimpleUploadedFile("retour.xml", xml.encode("utf-8"))


def test_un_pain002_paie_les_acsc_et_rejette_les_rjct(lot_retour, utilisateurs):
    a, b, c = _refs(lot_retour)
    fichier = _pain002(
        f"<TxInfAndSts><StsId>S1</StsId><OrgnlEndToEndId>{a}</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>"
        f"<TxInfAndSts><OrgnlEndToEndId>{b}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Compte solde</AddtlInf></StsRsnInf>"
        "</TxInfAndSts>"
    )

    rapport = importer_retour(lot_retour, fichier, utilisateurs["comptable"])

    assert len(rapport.payes) == 1 and len(rapport.rejetes) == 1
    paye = Versement.objects.get(reference=a)
    assert paye.etat == E.PAYE and paye.reference_bancaire == "S1"
    assert paye.paye_le == timezone.localdate()
    rejete = Versement.objects.get(reference=b)
    assert rejete.motif_rejet == "Rejet bancaire AC04 : compte clos (Compte solde)."
    assert Versement.objects.get(reference=c).etat == E.MIS_EN_PAIEMENT


def test_un_pain002_au_statut_inconnu_ou_avec_doctype_est_refuse(lot_retour, utilisateurs):
    a, _b, _c = _refs(lot_retour)
    rapport = importer_retour(
        lot_retour,
        _pain002(
            f"<TxInfAndSts><OrgnlEndToEndId>{a}</OrgnlEndToEndId><TxSts>ZZZZ</TxSts></TxInfAndSts>"
        ),
        utilisateurs["comptable"],
    )
    assert rapport.refusees[0].texte.startswith("Opération 1 : Statut « ZZZZ » inconnu")
    piege = SimpleUploadedFile(
        "retour.xml",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Document>&e;</Document>',
    )
    with pytest.raises(RetourInvalide, match="DOCTYPE"):
        importer_retour(lot_retour, piege, utilisateurs["comptable"])
    with pytest.raises(RetourInvalide, match="n'est pas un rapport"):
        importer_retour(
            lot_retour,
            SimpleUploadedFile("x.xml", b"<Document><Autre/></Document>"),
            utilisateurs["comptable"],
        )
    assert not Mouvement.objects.exists()


def test_apres_le_retour_le_grand_livre_est_juste(lot_retour, utilisateurs):
    a, b, c = _refs(lot_retour)
    importer_retour(
        lot_retour,
        _csv(ENTETE + f"{a};paye;{_aujourdhui()};V1;\n{b};rejete;;;Compte clos\n"),
        utilisateurs["comptable"],
    )
    paiements.marquer_lot_paye(lot_retour, utilisateurs["comptable"], timezone.localdate(), "V2")
    payes = Versement.objects.filter(etat=E.PAYE)
    assert {v.reference for v in payes} == {a, c}
    total_payes = payes.aggregate(t=Sum("montant"))["t"]
    total_mouvements = Mouvement.objects.filter(type=TypeMouvement.VERSEMENT_PAYE).aggregate(
        t=Sum("montant")
    )["t"]
    assert total_payes == total_mouvements
    for versement in Versement.objects.select_related("convention"):
        attendu = versement.montant if versement.etat == E.PAYE else 0
        assert grand_livre.situation(versement.convention).verse == attendu
