"""L'avenant : proposé par un instructeur (collectifs retenus et/ou montant, au plus le
barème recalculé avec les paramètres DE LA DÉCISION, motif obligatoire), validé par un
autre agent valideur comme une décision ; les chiffres d'origine restent visibles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clas.conventions import actions, avenants
from clas.conventions.models import Avenant, Convention, ProjetAvenant
from clas.dossiers.models import Collectif, EtatDossier
from clas.instruction import decisions
from clas.instruction.models import (
    Decision,
    ObjetProposition,
    Proposition,
    StatutProposition,
)
from clas.referentiel.models import ParametresBareme
from clas.versements.models import NatureVersement, Versement
from tests.factories import AgentCafFactory
from tests.outils import texte

UN_COLLECTIF = Decimal("2281.25")  # le barème de la décision sur le seul premier collectif


def _normal(html: str) -> str:
    return html.replace("\u202f", " ").replace("\xa0", " ")


def _collectifs(convention: Convention) -> list[Collectif]:
    return list(Collectif.objects.filter(dossier=convention.dossier).order_by("ordre", "id"))


def _proposer(convention, auteur, montant=None, motif="Le second collectif ne fonctionne pas."):
    premier = _collectifs(convention)[0]
    return avenants.proposer_avenant(convention.dossier, auteur, [premier.pk], montant, motif)


@pytest.fixture
def avenant_propose(regul_signee, utilisateurs) -> Proposition:
    return _proposer(regul_signee, utilisateurs["instructeur"])


def _valider(proposition, valideur, capture) -> Avenant:
    with capture(execute=True):
        avenant = decisions.valider(proposition, valideur)
    assert isinstance(avenant, Avenant)
    return avenant


# --- Proposer -----------------------------------------------------------------------------------


def test_l_instructeur_propose_un_avenant_borne_par_le_bareme_de_la_decision(
    avenant_propose, regul_signee
):
    assert avenant_propose.objet == ObjetProposition.AVENANT
    assert avenant_propose.statut == StatutProposition.EN_ATTENTE
    assert avenant_propose.montant_bareme == UN_COLLECTIF
    assert avenant_propose.montant == UN_COLLECTIF  # vide : le barème
    projet = ProjetAvenant.objects.get(proposition=avenant_propose)
    assert projet.collectifs_retenus == [_collectifs(regul_signee)[0].pk]
    assert projet.entree_bareme["collectifs"][1]["retenu"] is False
    regul_signee.refresh_from_db()
    assert regul_signee.montant_maximal == Decimal("4500.00")  # rien ne change avant validation


def test_le_bareme_de_l_avenant_garde_les_parametres_de_la_decision(regul_signee, utilisateurs):
    """Les paramètres de l'année changent après la décision : l'avenant n'en tient pas compte."""
    parametres = ParametresBareme.objects.get(
        annee_scolaire=regul_signee.dossier.campagne.annee_scolaire
    )
    parametres.taux = Decimal("0.9")
    parametres.montant_max_collectif = Decimal("9000.00")
    parametres.save()
    proposition = _proposer(regul_signee, utilisateurs["instructeur"])
    assert proposition.montant_bareme == UN_COLLECTIF


def test_un_montant_au_dessus_du_bareme_est_refuse(regul_signee, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        _proposer(regul_signee, utilisateurs["instructeur"], Decimal("2281.26"))
    assert "ne peut pas dépasser" in " ".join(erreur.value.message_dict["montant"])
    assert not Proposition.objects.filter(objet=ObjetProposition.AVENANT).exists()


def test_le_motif_est_obligatoire(regul_signee, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        _proposer(regul_signee, utilisateurs["instructeur"], motif="  ")
    assert "motif" in erreur.value.message_dict


def test_un_avenant_qui_ne_change_rien_est_refuse(regul_signee, utilisateurs):
    tous = [c.pk for c in _collectifs(regul_signee)]
    with pytest.raises(ValidationError) as erreur:
        avenants.proposer_avenant(
            regul_signee.dossier, utilisateurs["instructeur"], tous, Decimal("4500.00"), "Rien"
        )
    assert "ne change rien" in " ".join(erreur.value.message_dict["montant"])


def test_un_avenant_peut_baisser_le_montant_sans_changer_les_collectifs(regul_signee, utilisateurs):
    tous = [c.pk for c in _collectifs(regul_signee)]
    proposition = avenants.proposer_avenant(
        regul_signee.dossier, utilisateurs["instructeur"], tous, Decimal("4000.00"), "Moins"
    )
    assert proposition.montant == Decimal("4000.00")


@pytest.mark.parametrize("persona", ["valideur", "comptable", "instructeur_autre_caf", "porteur"])
def test_seul_un_instructeur_de_la_caf_propose_un_avenant(regul_signee, utilisateurs, persona):
    with pytest.raises(PermissionDenied):
        _proposer(regul_signee, utilisateurs[persona])


def test_une_seule_proposition_en_attente_par_dossier(avenant_propose, regul_signee, utilisateurs):
    with pytest.raises(decisions.ActionImpossible):
        _proposer(regul_signee, utilisateurs["instructeur"])


def test_pas_d_avenant_sur_une_convention_non_signee(convention, utilisateurs):
    with pytest.raises(decisions.ActionImpossible) as erreur:
        _proposer(convention, utilisateurs["instructeur"])
    assert "pas encore signée" in str(erreur.value)


def test_pas_d_avenant_une_fois_le_bilan_accepte(regul_signee, utilisateurs):
    # L'acceptation du bilan arrête le montant définitif de la convention.
    actions.arreter_montant_definitif(regul_signee, Decimal("4500.00"))
    with pytest.raises(decisions.ActionImpossible) as erreur:
        _proposer(regul_signee, utilisateurs["instructeur"])
    assert "bilan est accepté" in str(erreur.value)


# --- Valider, renvoyer ---------------------------------------------------------------------------


def test_un_autre_agent_valide_l_avenant_sans_toucher_a_la_decision_ni_a_l_acompte(
    avenant_propose, regul_signee, utilisateurs, django_capture_on_commit_callbacks
):
    acompte_avant = Versement.objects.get(convention=regul_signee, nature=NatureVersement.ACOMPTE)
    avenant = _valider(
        avenant_propose, utilisateurs["valideur"], django_capture_on_commit_callbacks
    )

    assert avenant.numero == 1
    assert avenant.montant_avant == Decimal("4500.00")
    assert avenant.montant_apres == UN_COLLECTIF
    assert avenant.valide_par == utilisateurs["valideur"]
    assert avenant.entree_bareme["collectifs"][1]["retenu"] is False
    assert Decimal(avenant.resultat["montant_total"]) == UN_COLLECTIF
    regul_signee.refresh_from_db()
    assert regul_signee.montant_maximal == UN_COLLECTIF
    # Les chiffres d'origine restent : la décision, l'acompte, l'état du dossier.
    decision = Decision.objects.get(dossier=regul_signee.dossier)
    assert decision.montant == Decimal("4500.00")
    assert Decision.objects.count() == 1
    acompte = Versement.objects.get(convention=regul_signee, nature=NatureVersement.ACOMPTE)
    assert (acompte.pk, acompte.montant, acompte.etat) == (
        acompte_avant.pk,
        acompte_avant.montant,
        acompte_avant.etat,
    )
    dossier = regul_signee.dossier
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.ACCEPTE
    avenant_propose.refresh_from_db()
    assert avenant_propose.statut == StatutProposition.VALIDEE
    evenement = dossier.evenements.get(type="avenant")
    assert evenement.public and "4 500,00" in _normal(evenement.description)
    # Le PDF de l'avenant.
    avenant.refresh_from_db()
    with avenant.pdf.open("rb") as fichier:
        assert fichier.read().startswith(b"%PDF")


def test_l_avenant_valide_part_par_courriel_a_la_structure_avec_son_pdf(
    avenant_propose, utilisateurs, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    avenant = _valider(
        avenant_propose, utilisateurs["valideur"], django_capture_on_commit_callbacks
    )
    courriels = [m for m in mailoutbox if "Avenant n° 1" in m.subject]
    assert len(courriels) == 1
    courriel = courriels[0]
    assert utilisateurs["porteur"].email in courriel.to
    assert "4 500,00" in _normal(courriel.body)
    assert _normal(avenant.motif) in _normal(courriel.body)
    ((nom, contenu, _type_mime),) = courriel.attachments
    assert nom.startswith("avenant-1-") and contenu.startswith(b"%PDF")


def test_l_avenant_en_pdf_dit_les_parties_les_montants_les_collectifs_et_le_motif(
    avenant_propose, utilisateurs, django_capture_on_commit_callbacks
):
    from django.template.loader import render_to_string

    avenant = _valider(
        avenant_propose, utilisateurs["valideur"], django_capture_on_commit_callbacks
    )
    html = _normal(
        render_to_string("conventions/avenant/avenant_pdf.html", avenants.contexte_avenant(avenant))
    )
    dossier = avenant.convention.dossier
    for attendu in (
        "Avenant n° 1",
        dossier.numero,
        dossier.structure.nom,
        dossier.campagne.caf.nom,
        "4 500,00 €",
        "2 281,25 €",
        "(non retenu)",
        "Le second collectif ne fonctionne pas.",
    ):
        assert attendu in html, attendu


def test_un_second_avenant_part_du_montant_du_premier(
    avenant_propose, regul_signee, utilisateurs, django_capture_on_commit_callbacks
):
    _valider(avenant_propose, utilisateurs["valideur"], django_capture_on_commit_callbacks)
    premier = _collectifs(regul_signee)[0]
    proposition = avenants.proposer_avenant(
        regul_signee.dossier,
        utilisateurs["instructeur"],
        [premier.pk],
        Decimal("2000.00"),
        "Baisse",
    )
    second = _valider(proposition, utilisateurs["valideur"], django_capture_on_commit_callbacks)
    assert second.numero == 2
    assert (second.montant_avant, second.montant_apres) == (UN_COLLECTIF, Decimal("2000.00"))
    assert list(Avenant.objects.values_list("numero", flat=True)) == [1, 2]


def test_le_valideur_ne_valide_pas_son_propre_avenant(regul_signee, caf_rhone):
    polyvalent = AgentCafFactory(
        caf=caf_rhone,
        utilisateur__email="polyvalent@rhone.exemple.fr",
        est_instructeur=True,
        est_valideur=True,
    ).utilisateur
    proposition = _proposer(regul_signee, polyvalent)
    with pytest.raises(PermissionDenied):
        decisions.valider(proposition, polyvalent)
    assert not Avenant.objects.exists()


def test_l_instructeur_ne_valide_pas_un_avenant(avenant_propose, utilisateurs):
    with pytest.raises(PermissionDenied):
        decisions.valider(avenant_propose, utilisateurs["instructeur"])


def test_le_renvoi_fonctionne_comme_pour_une_decision(avenant_propose, regul_signee, utilisateurs):
    decisions.renvoyer(avenant_propose, utilisateurs["valideur"], "Gardez les deux collectifs.")
    avenant_propose.refresh_from_db()
    assert avenant_propose.statut == StatutProposition.RENVOYEE
    assert not Avenant.objects.exists()
    nouvelle = _proposer(regul_signee, utilisateurs["instructeur"], Decimal("2000.00"))
    assert nouvelle.statut == StatutProposition.EN_ATTENTE


def test_la_page_de_validation_valide_un_avenant_avec_les_decisions(
    avenant_propose, valideur, regul_signee, django_capture_on_commit_callbacks
):
    page = texte(valideur.get(reverse("instruction_validation")))
    assert "Avenant à la convention" in page
    with django_capture_on_commit_callbacks(execute=True):
        reponse = valideur.post(
            reverse("instruction_validation"), {"propositions": [avenant_propose.pk]}, follow=True
        )
    assert "Avenant n° 1 validé" in texte(reponse)
    regul_signee.refresh_from_db()
    assert regul_signee.montant_maximal == UN_COLLECTIF


def test_le_bouton_valider_du_dossier_valide_l_avenant(
    avenant_propose, valideur, regul_signee, django_capture_on_commit_callbacks
):
    url = reverse("instruction_dossier", args=[regul_signee.dossier_id])
    page = texte(valideur.get(url))
    assert "Valider l'avenant" in page
    with django_capture_on_commit_callbacks(execute=True):
        reponse = valideur.post(
            reverse("instruction_valider", args=[avenant_propose.pk]),
            {"commentaire": "", "suivant": url},
            follow=True,
        )
    assert "Avenant n° 1 validé" in _normal(texte(reponse))
    assert Avenant.objects.count() == 1


# --- Les pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("instructeur", 200),
        ("valideur", 403),
        ("comptable", 403),
        ("porteur", 404),
        ("porteur_autre", 404),
        ("instructeur_autre_caf", 404),
        ("national", 403),
    ],
)
def test_qui_ouvre_le_formulaire_d_avenant(client_de, regul_signee, persona, statut):
    reponse = client_de(persona).get(reverse("avenant_proposer", args=[regul_signee.dossier_id]))
    assert reponse.status_code == statut


@pytest.mark.parametrize(
    ("persona", "statut", "propose"),
    [
        ("instructeur", 302, True),
        ("valideur", 403, False),
        ("comptable", 403, False),
        ("porteur", 404, False),
        ("porteur_autre", 404, False),
        ("instructeur_autre_caf", 404, False),
        ("national", 403, False),
    ],
)
def test_qui_propose_un_avenant_par_la_page(client_de, regul_signee, persona, statut, propose):
    premier = _collectifs(regul_signee)[0]
    reponse = client_de(persona).post(
        reverse("avenant_proposer", args=[regul_signee.dossier_id]),
        {"collectifs": [premier.pk], "montant": "2 000,00", "motif": "Un collectif arrêté."},
    )
    assert reponse.status_code == statut
    assert Proposition.objects.filter(objet=ObjetProposition.AVENANT).exists() is propose


def test_un_anonyme_qui_propose_un_avenant_est_envoye_vers_la_connexion(anonyme, regul_signee):
    url = reverse("avenant_proposer", args=[regul_signee.dossier_id])
    for reponse in (anonyme.get(url), anonyme.post(url, {"motif": "x"})):
        assert reponse.status_code == 302
        assert "connexion" in reponse["Location"] or "login" in reponse["Location"]


def test_le_formulaire_refuse_garde_la_saisie_et_dit_quoi_corriger(instructeur, regul_signee):
    premier = _collectifs(regul_signee)[0]
    reponse = instructeur.post(
        reverse("avenant_proposer", args=[regul_signee.dossier_id]),
        {"collectifs": [premier.pk], "montant": "3 000,00", "motif": "Motif gardé"},
    )
    assert reponse.status_code == 400
    page = _normal(texte(reponse))
    assert "ne peut pas dépasser" in page and "2 281,25 €" in page
    assert "Motif gardé" in page
    assert not Proposition.objects.filter(objet=ObjetProposition.AVENANT).exists()


def test_le_formulaire_coche_les_collectifs_retenus_et_le_montant_en_vigueur(
    instructeur, regul_signee
):
    page = _normal(
        texte(instructeur.get(reverse("avenant_proposer", args=[regul_signee.dossier_id])))
    )
    assert "4 500,00" in page
    assert page.count("checked") >= 2


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("porteur", 200),
        ("instructeur", 200),
        ("valideur", 200),
        ("comptable", 200),
        ("porteur_autre", 404),
        ("instructeur_autre_caf", 404),
        ("national", 200),
    ],
)
def test_qui_telecharge_l_avenant(
    client_de, avenant_propose, utilisateurs, django_capture_on_commit_callbacks, persona, statut
):
    avenant = _valider(
        avenant_propose, utilisateurs["valideur"], django_capture_on_commit_callbacks
    )
    reponse = client_de(persona).get(
        reverse("avenant_pdf", args=[avenant.convention.dossier_id, avenant.numero])
    )
    assert reponse.status_code == statut
    if statut == 200:
        assert b"".join(reponse.streaming_content).startswith(b"%PDF")


def test_les_chiffres_d_origine_restent_visibles_des_deux_cotes(
    regul_signee,
    avenant_propose,
    utilisateurs,
    porteur,
    instructeur,
    django_capture_on_commit_callbacks,
):
    _valider(avenant_propose, utilisateurs["valideur"], django_capture_on_commit_callbacks)
    caf = _normal(
        texte(instructeur.get(reverse("instruction_dossier", args=[regul_signee.dossier_id])))
    )
    structure = _normal(
        texte(porteur.get(reverse("dossier_detail", args=[regul_signee.dossier_id])))
    )
    for page in (caf, structure):
        assert "Décision d'origine" in page
        assert "Avenant n° 1" in page
        assert "4 500,00 €" in page and "2 281,25 €" in page
        assert "Le second collectif ne fonctionne pas." in page


def test_la_page_caf_propose_l_avenant_a_l_instructeur_seulement(
    regul_signee, instructeur, comptable, valideur
):
    url = reverse("instruction_dossier", args=[regul_signee.dossier_id])
    assert "Proposer un avenant" in texte(instructeur.get(url))
    assert "Proposer un avenant" not in texte(comptable.get(url))
    assert "Proposer un avenant" not in texte(valideur.get(url))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_valideurs_en_meme_temps_un_seul_avenant(avenant_propose, utilisateurs, caf_rhone):
    import threading

    second = AgentCafFactory(
        caf=caf_rhone,
        utilisateur__email="second.valideur@rhone.exemple.fr",
        est_instructeur=False,
        est_valideur=True,
    ).utilisateur
    depart = threading.Barrier(2)
    resultats: list[str] = []

    def valider(qui) -> None:
        from django.db import connection as connexion

        try:
            depart.wait()
            decisions.valider(Proposition.objects.get(pk=avenant_propose.pk), qui)
            resultats.append("ok")
        except decisions.ActionImpossible:
            resultats.append("refus")
        finally:
            connexion.close()

    fils = [threading.Thread(target=valider, args=(q,)) for q in (utilisateurs["valideur"], second)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert sorted(resultats) == ["ok", "refus"]
    assert Avenant.objects.count() == 1
    assert Convention.objects.get().montant_maximal == UN_COLLECTIF
