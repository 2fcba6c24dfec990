"""Les remboursements d'un indu : partiels jusqu'au solde, jamais au-delà, une seule fois
par formulaire envoyé (jeton), sous verrou ; enregistrés par un comptable ou un valideur
de la Caf du dossier ; la liste des indus de la Caf."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clas.bilans import regularisation
from clas.bilans.models import EtatIndu, Indu, Remboursement
from clas.dossiers.models import EtatDossier
from clas.versements import grand_livre
from clas.versements.models import Mouvement, TypeMouvement
from tests.outils import texte

from .regularisation_fabrique import (
    INDU,
    aujourd_hui,
)


def _normal(html: str) -> str:
    return html.replace("\u202f", " ").replace("\xa0", " ")


def _formulaire(montant: str, jeton: uuid.UUID | None = None, **autres: str) -> dict[str, str]:
    return {
        "montant": montant,
        "recu_le": aujourd_hui().isoformat(),
        "reference": "VIR-123",
        "jeton": str(jeton or uuid.uuid4()),
        **autres,
    }


def _url(indu: Indu) -> str:
    return reverse("indu_remboursement", args=[indu.convention.dossier_id])


# --- Le cas d'usage ---------------------------------------------------------------------------


def test_des_remboursements_partiels_jusqu_au_solde_remboursent_l_indu_et_cloturent(
    regul_indu, utilisateurs
):
    comptable = utilisateurs["comptable"]
    premier = regularisation.enregistrer_remboursement(
        regul_indu, comptable, Decimal("1000.00"), aujourd_hui(), "VIR-1"
    )
    assert premier.reste == Decimal("1150.00") and not premier.indu_rembourse
    regul_indu.refresh_from_db()
    assert regul_indu.etat == EtatIndu.OUVERT
    assert regularisation.reste_a_rembourser(regul_indu) == Decimal("1150.00")

    second = regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["valideur"], Decimal("1150.00"), aujourd_hui(), "CHQ-2"
    )
    assert second.reste == Decimal("0.00")
    assert second.indu_rembourse and second.cloture
    regul_indu.refresh_from_db()
    assert regul_indu.etat == EtatIndu.REMBOURSE and regul_indu.rembourse_le is not None
    dossier = regul_indu.convention.dossier
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.CLOTURE

    # Le grand livre : chaque remboursement, avec qui, quand, combien et pourquoi.
    mouvements = Mouvement.objects.filter(type=TypeMouvement.REMBOURSEMENT).order_by("id")
    assert [m.montant for m in mouvements] == [Decimal("1000.00"), Decimal("1150.00")]
    assert all(m.remboursement.indu_id == regul_indu.pk for m in mouvements)
    assert mouvements[0].auteur == comptable and "VIR-1" in mouvements[0].motif
    situation = grand_livre.situation(regul_indu.convention)
    assert situation.rembourse == INDU and situation.reste_a_rembourser == 0
    assert situation.verse_net == Decimal("1000.00")  # le montant définitif
    assert dossier.evenements.filter(type=TypeMouvement.REMBOURSEMENT, public=True).count() == 2
    assert dossier.evenements.filter(type="cloturer").count() == 1


@pytest.mark.parametrize(
    ("montant", "message"),
    [
        ("2150.01", "dépasse le reste à rembourser"),
        ("0", "supérieur à 0,00"),
        ("-5", "supérieur à 0,00"),
    ],
)
def test_un_montant_hors_bornes_est_refuse_sans_rien_enregistrer(
    regul_indu, utilisateurs, montant, message
):
    with pytest.raises(ValidationError) as erreur:
        regularisation.enregistrer_remboursement(
            regul_indu, utilisateurs["comptable"], Decimal(montant), aujourd_hui()
        )
    assert message in " ".join(erreur.value.message_dict["montant"])
    assert not Remboursement.objects.exists()
    assert not Mouvement.objects.filter(type=TypeMouvement.REMBOURSEMENT).exists()


def test_au_dela_du_reste_apres_un_premier_remboursement_le_refus_dit_le_maximum(
    regul_indu, utilisateurs
):
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("2000.00"), aujourd_hui()
    )
    with pytest.raises(ValidationError) as erreur:
        regularisation.enregistrer_remboursement(
            regul_indu, utilisateurs["comptable"], Decimal("150.01"), aujourd_hui()
        )
    assert "au plus 150,00" in _normal(" ".join(erreur.value.message_dict["montant"]))
    assert Remboursement.objects.count() == 1


def test_une_date_de_reception_future_est_refusee(regul_indu, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        regularisation.enregistrer_remboursement(
            regul_indu,
            utilisateurs["comptable"],
            Decimal("10.00"),
            timezone.localdate() + dt.timedelta(days=1),
        )
    assert "futur" in " ".join(erreur.value.message_dict["recu_le"])


def test_le_meme_jeton_n_enregistre_qu_une_fois(regul_indu, utilisateurs):
    jeton = uuid.uuid4()
    premier = regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("100.00"), aujourd_hui(), jeton=jeton
    )
    second = regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("100.00"), aujourd_hui(), jeton=jeton
    )
    assert second.deja_enregistre and second.remboursement == premier.remboursement
    assert Remboursement.objects.count() == 1
    assert Mouvement.objects.filter(type=TypeMouvement.REMBOURSEMENT).count() == 1


@pytest.mark.parametrize("persona", ["instructeur", "instructeur_autre_caf", "porteur", "national"])
def test_seuls_un_comptable_ou_un_valideur_de_la_caf_enregistrent(
    regul_indu, utilisateurs, persona
):
    with pytest.raises(PermissionDenied):
        regularisation.enregistrer_remboursement(
            regul_indu, utilisateurs[persona], Decimal("10.00"), aujourd_hui()
        )
    assert not Remboursement.objects.exists()


def test_un_indu_rembourse_ne_recoit_plus_rien(regul_indu, utilisateurs):
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], INDU, aujourd_hui()
    )
    with pytest.raises(regularisation.ActionImpossible):
        regularisation.enregistrer_remboursement(
            regul_indu, utilisateurs["comptable"], Decimal("1.00"), aujourd_hui()
        )
    assert Remboursement.objects.count() == 1


# --- La vue d'enregistrement -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statut", "enregistre"),
    [
        ("comptable", 302, True),
        ("valideur", 302, True),
        ("instructeur", 403, False),
        ("porteur", 404, False),
        ("porteur_autre", 404, False),
        ("instructeur_autre_caf", 404, False),
        ("national", 403, False),
    ],
)
def test_qui_enregistre_un_remboursement_par_la_page(
    client_de, regul_indu, persona, statut, enregistre
):
    reponse = client_de(persona).post(_url(regul_indu), _formulaire("500,00"))
    assert reponse.status_code == statut
    assert Remboursement.objects.exists() is enregistre


def test_un_anonyme_qui_enregistre_est_envoye_vers_la_connexion(anonyme, regul_indu):
    reponse = anonyme.post(_url(regul_indu), _formulaire("500,00"))
    assert reponse.status_code == 302
    assert "connexion" in reponse["Location"] or "login" in reponse["Location"]
    assert not Remboursement.objects.exists()


def test_un_double_clic_n_enregistre_qu_un_remboursement(comptable, regul_indu):
    donnees = _formulaire("500,00")
    premiere = comptable.post(_url(regul_indu), donnees)
    seconde = comptable.post(_url(regul_indu), donnees, follow=True)
    assert premiere.status_code == 302
    assert "déjà enregistré" in texte(seconde)
    assert Remboursement.objects.count() == 1
    assert regularisation.reste_a_rembourser(regul_indu) == Decimal("1650.00")


def test_un_montant_trop_grand_est_refuse_avec_la_saisie_gardee(comptable, regul_indu):
    reponse = comptable.post(_url(regul_indu), _formulaire("3 000,00", reference="VIR-TROP"))
    assert reponse.status_code == 400
    page = _normal(texte(reponse))
    assert "dépasse le reste à rembourser (2 150,00 €)" in page
    assert "VIR-TROP" in reponse.content.decode()
    assert not Remboursement.objects.exists()


def test_la_page_caf_montre_l_indu_les_remboursements_et_le_formulaire(
    comptable, instructeur, regul_indu, utilisateurs
):
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("150.00"), aujourd_hui(), "VIR-PREMIER"
    )
    url = reverse("instruction_dossier", args=[regul_indu.convention.dossier_id])
    page = _normal(texte(comptable.get(url)))
    assert "Indu à rembourser : 2 150,00 €" in page
    assert "VIR-PREMIER" in page
    assert "Reste à rembourser : <strong>2 000,00 €</strong>" in page
    assert "Enregistrer le remboursement" in page
    # L'instructeur voit l'indu mais n'a pas le formulaire.
    page_instructeur = texte(instructeur.get(url))
    assert "VIR-PREMIER" in page_instructeur
    assert "Enregistrer le remboursement" not in page_instructeur


# --- La liste des indus de la Caf ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("comptable", 200),
        ("valideur", 200),
        ("instructeur", 200),
        ("instructeur_autre_caf", 200),
        ("porteur", 403),
        ("porteur_autre", 403),
        ("national", 200),  # toutes les Caf, en lecture seule
    ],
)
def test_qui_voit_la_liste_des_indus(client_de, regul_indu, persona, statut):
    reponse = client_de(persona).get(reverse("indus_liste"))
    assert reponse.status_code == statut
    if statut == 200:
        voit = regul_indu.convention.dossier.numero in texte(reponse)
        assert voit is (persona != "instructeur_autre_caf")


def test_un_anonyme_ne_voit_pas_la_liste_des_indus(anonyme, regul_indu):
    reponse = anonyme.get(reverse("indus_liste"))
    assert reponse.status_code == 302


def test_un_indu_en_retard_est_signale_et_les_ouverts_viennent_d_abord(comptable, regul_indu):
    Indu.objects.filter(pk=regul_indu.pk).update(
        echeance=timezone.localdate() - dt.timedelta(days=3)
    )
    reponse = comptable.get(reverse("indus_liste"))
    html = reponse.content.decode()
    assert f'id="indu-{regul_indu.pk}" class="clas-en-retard"' in html
    assert "En retard" in html
    assert "1 en retard" in texte(reponse)
    lignes = reponse.context["lignes"]
    assert lignes[0]["reste"] == INDU


def test_la_liste_des_indus_garde_un_nombre_de_requetes_constant(
    comptable, regul_indu, utilisateurs
):
    def compter() -> int:
        with CaptureQueriesContext(connection) as requetes:
            assert comptable.get(reverse("indus_liste")).status_code == 200
        return len(requetes)

    avant = compter()
    for montant in ("10.00", "20.00", "30.00"):
        regularisation.enregistrer_remboursement(
            regul_indu, utilisateurs["comptable"], Decimal(montant), aujourd_hui()
        )
    assert compter() == avant


# --- Concurrence (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_remboursements_simultanes_qui_depasseraient_le_reste_un_seul_passe(
    regul_indu, utilisateurs
):
    depart = threading.Barrier(2)
    resultats: list[str] = []

    def enregistrer(qui: str) -> None:
        from django.db import connection as connexion

        try:
            depart.wait()
            regularisation.enregistrer_remboursement(
                Indu.objects.get(pk=regul_indu.pk),
                utilisateurs[qui],
                Decimal("1500.00"),
                aujourd_hui(),
                jeton=uuid.uuid4(),
            )
            resultats.append("ok")
        except ValidationError:
            resultats.append("refus")
        finally:
            connexion.close()

    fils = [threading.Thread(target=enregistrer, args=(q,)) for q in ("comptable", "valideur")]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert sorted(resultats) == ["ok", "refus"]
    assert Remboursement.objects.count() == 1
    assert grand_livre.situation(regul_indu.convention).rembourse == Decimal("1500.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_le_meme_formulaire_envoye_deux_fois_en_meme_temps_n_enregistre_qu_une_fois(
    regul_indu, utilisateurs
):
    depart = threading.Barrier(2)
    jeton = uuid.uuid4()
    resultats: list[bool] = []

    def enregistrer() -> None:
        from django.db import connection as connexion

        try:
            depart.wait()
            resultat = regularisation.enregistrer_remboursement(
                Indu.objects.get(pk=regul_indu.pk),
                utilisateurs["comptable"],
                Decimal("100.00"),
                aujourd_hui(),
                jeton=jeton,
            )
            resultats.append(resultat.deja_enregistre)
        finally:
            connexion.close()

    fils = [threading.Thread(target=enregistrer) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert sorted(resultats) == [False, True]
    assert Remboursement.objects.count() == 1


def test_le_formulaire_de_la_page_porte_un_jeton_qui_empeche_le_double_enregistrement(
    comptable, regul_indu
):
    from tests.outils import champs

    page = comptable.get(reverse("instruction_dossier", args=[regul_indu.convention.dossier_id]))
    donnees = champs(page)
    assert uuid.UUID(donnees["jeton"])
    donnees.update(
        {"montant": "100,00", "recu_le": aujourd_hui().isoformat(), "reference": "VIR-9"}
    )
    formulaire = {
        k: v for k, v in donnees.items() if k in {"montant", "recu_le", "reference", "jeton"}
    }
    assert comptable.post(_url(regul_indu), formulaire).status_code == 302
    assert comptable.post(_url(regul_indu), formulaire).status_code == 302
    assert Remboursement.objects.count() == 1
    # Une nouvelle page donne un nouveau jeton.
    autre = champs(
        comptable.get(reverse("instruction_dossier", args=[regul_indu.convention.dossier_id]))
    )
    assert autre["jeton"] != donnees["jeton"]
