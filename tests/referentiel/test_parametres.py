"""Le national modifie les paramètres du barème ; chaque changement laisse une trace."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from clas.comptes.models import Utilisateur
from clas.referentiel.actions import VersionPerimee, ajouter_annee, modifier_parametres
from clas.referentiel.models import ModificationParametre, ParametresBareme
from clas.referentiel.services import simuler
from tests.outils import (
    EXEMPLE_CLAS,
    champs,
    formulaire_du_navigateur,
    formulaire_exemple,
    formulaire_parametres,
    texte,
)

pytestmark = pytest.mark.django_db

CHEMIN = "/national/parametres/2025-2026/"
MESSAGE_VERSION = (
    "Ces paramètres ont été modifiés par quelqu'un d'autre depuis l'ouverture de la page. "
    "Rechargez la page pour voir les nouvelles valeurs, puis refaites votre modification."
)


def annee(nom: str = "2025-2026") -> ParametresBareme:
    return ParametresBareme.objects.get(annee_scolaire=nom)


def test_le_formulaire_montre_chaque_valeur_avec_sa_source(national: Client) -> None:
    reponse = national.get(CHEMIN)

    assert reponse.status_code == 200
    valeurs = champs(reponse)
    assert valeurs["taux"] == "0.325"
    assert valeurs["montant_max_collectif"] == "2563.00"
    assert valeurs["effectif_max"] == "12"
    assert valeurs["source_montant_max_collectif"].startswith("Page Caf partenaires")
    assert valeurs["version"] == annee().updated_at.isoformat()
    assert valeurs["motif"] == ""
    assert "Aucune modification depuis le chargement des valeurs de référence." in texte(reponse)


def test_le_national_change_le_taux_avec_un_motif_et_l_historique_le_garde(
    national: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    donnees = formulaire_parametres("2025-2026", motif="Circulaire Cnaf 2026-012")
    donnees["taux"] = "0.35"

    reponse = national.post(CHEMIN, donnees, follow=True)

    assert reponse.redirect_chain == [(CHEMIN, 302)]
    assert annee().taux == Decimal("0.35")
    modification = ModificationParametre.objects.get()
    assert modification.parametres == annee()
    assert modification.parametre == "taux"
    assert modification.ancienne_valeur == "0.3250"
    assert modification.nouvelle_valeur == "0.35"
    assert modification.motif == "Circulaire Cnaf 2026-012"
    assert modification.auteur == utilisateurs["national"]
    page = texte(reponse)
    assert "1 modification(s) enregistrée(s) pour 2025-2026." in page
    assert "Taux de prise en charge des dépenses" in page
    assert "national@exemple.fr" in page
    assert "Circulaire Cnaf 2026-012" in page
    assert "Aucune modification depuis" not in page


def test_une_ligne_d_historique_par_parametre_change_et_rien_pour_les_autres(
    national: Client,
) -> None:
    donnees = formulaire_parametres("2025-2026") | {
        "taux": "0.35",
        "montant_max_collectif": "2700.00",
        "source_effectif_max": "Circulaire Cnaf 2026-012, article 3",
    }

    national.post(CHEMIN, donnees)

    lignes = {
        m.parametre: (m.ancienne_valeur, m.nouvelle_valeur, m.nouvelle_source)
        for m in ModificationParametre.objects.all()
    }
    assert lignes == {
        "taux": ("0.3250", "0.35", annee().sources["taux"]),
        "montant_max_collectif": ("2563.00", "2700.00", annee().sources["montant_max_collectif"]),
        "effectif_max": ("12", "12", "Circulaire Cnaf 2026-012, article 3"),
    }
    source = ModificationParametre.objects.get(parametre="effectif_max")
    assert source.ancienne_source == "Page Caf partenaires Clas : collectif de 8 à 12 enfants"
    assert annee().sources["effectif_max"] == "Circulaire Cnaf 2026-012, article 3"
    assert annee("2024-2025").montant_max_collectif == Decimal("2563.00")


def test_la_meme_valeur_ecrite_autrement_n_est_pas_une_modification(national: Client) -> None:
    donnees = formulaire_parametres("2025-2026") | {
        "taux": "0.325",
        "montant_max_collectif": "2563",
        "taux_acompte": "0.70",
    }

    reponse = national.post(CHEMIN, donnees, follow=True)

    assert not ModificationParametre.objects.exists()
    assert "Aucune valeur ni source n'a changé." in texte(reponse)


def test_sans_motif_rien_n_est_enregistre_et_la_saisie_est_conservee(national: Client) -> None:
    donnees = formulaire_parametres("2025-2026", motif="  ") | {
        "taux": "0.35",
        "source_taux": "Ma nouvelle source",
    }

    reponse = national.post(CHEMIN, donnees)

    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Corrigez les champs signalés" in page
    assert "Rien n'a été enregistré ; vos saisies sont conservées ci-dessous." in page
    assert "Ce champ est obligatoire." in page
    assert champs(reponse)["taux"] == "0.35"
    assert champs(reponse)["source_taux"] == "Ma nouvelle source"
    assert annee().taux == Decimal("0.3250")
    assert not ModificationParametre.objects.exists()


def test_une_version_perimee_est_refusee_en_409_sans_rien_enregistrer(national: Client) -> None:
    ouvert_avant = formulaire_parametres("2025-2026")
    national.post(CHEMIN, formulaire_parametres("2025-2026") | {"taux": "0.35"})

    reponse = national.post(CHEMIN, ouvert_avant | {"montant_max_collectif": "2000.00"})

    assert reponse.status_code == 409
    assert MESSAGE_VERSION in texte(reponse)
    assert "La modification n'a pas été enregistrée" in texte(reponse)
    assert champs(reponse)["montant_max_collectif"] == "2000.00"
    assert annee().montant_max_collectif == Decimal("2563.00")
    assert annee().taux == Decimal("0.35")
    assert list(ModificationParametre.objects.values_list("parametre", flat=True)) == ["taux"]


def test_une_version_fabriquee_est_refusee_en_409(national: Client) -> None:
    donnees = formulaire_parametres("2025-2026") | {"taux": "0.35", "version": "hier"}

    reponse = national.post(CHEMIN, donnees)

    assert reponse.status_code == 409
    assert annee().taux == Decimal("0.3250")


@pytest.mark.parametrize(
    ("changements", "message"),
    [
        (
            {"effectif_min": "13"},
            "Les effectifs doivent vérifier : minimum dérogatoire ≤ minimum ≤ maximum.",
        ),
        (
            {"effectif_min_derogatoire": "9"},
            "Les effectifs doivent vérifier : minimum dérogatoire ≤ minimum ≤ maximum.",
        ),
        ({"taux": "1.5"}, "inférieure ou égale à 1"),
        ({"montant_max_collectif": "-1"}, "supérieure ou égale à 0"),
        ({"semaines_reference": "0"}, "supérieure ou égale à 1"),
        ({"taux": "beaucoup"}, "Saisissez un nombre."),
        ({"effectif_max": ""}, "Ce champ est obligatoire."),
    ],
)
def test_des_valeurs_incoherentes_sont_refusees_sans_rien_enregistrer(
    national: Client, changements: dict[str, str], message: str
) -> None:
    avant = annee().valeurs()

    reponse = national.post(CHEMIN, formulaire_parametres("2025-2026") | changements)

    assert reponse.status_code == 400
    assert message in texte(reponse)
    for nom, valeur in changements.items():
        assert champs(reponse)[nom] == valeur
    assert annee().valeurs() == avant
    assert not ModificationParametre.objects.exists()


def test_la_liste_montre_les_valeurs_a_la_francaise(national: Client) -> None:
    reponse = national.get("/national/parametres/")

    page = texte(reponse)
    assert [a.annee_scolaire for a in reponse.context["annees"]] == [
        "2022-2023",
        "2023-2024",
        "2024-2025",
        "2025-2026",
        "2026-2027",
        "2027-2028",
    ]
    assert "32,5\u00a0%" in page
    assert "2\u00a0563,00\u00a0€" in page
    assert "70\u00a0%" in page
    assert 'href="/national/parametres/2025-2026/"' in page


def test_ajouter_une_annee_reprend_les_valeurs_de_la_plus_recente(
    national: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    national.post(
        "/national/parametres/2027-2028/",
        formulaire_parametres("2027-2028") | {"montant_max_collectif": "2600.00"},
    )

    reponse = national.post("/national/parametres/ajouter/", {"annee_scolaire": "2028-2029"})

    assert reponse.status_code == 302
    assert reponse["Location"] == "/national/parametres/2028-2029/"
    nouvelle, modele = annee("2028-2029"), annee("2027-2028")
    assert nouvelle.valeurs() == modele.valeurs()
    assert nouvelle.montant_max_collectif == Decimal("2600.00")
    assert nouvelle.sources == modele.sources
    creation = nouvelle.modifications.get()
    assert creation.parametre == "annee_scolaire"
    assert creation.nouvelle_valeur == "2028-2029"
    assert creation.motif == "Création de l'année, valeurs reprises de 2027-2028."
    assert creation.auteur == utilisateurs["national"]
    page = texte(national.get("/national/parametres/2028-2029/"))
    assert "Année 2028-2029 créée. Vérifiez ses valeurs." in page
    assert "Création de l'année" in page


def test_une_annee_qui_existe_deja_est_refusee(national: Client) -> None:
    reponse = national.post("/national/parametres/ajouter/", {"annee_scolaire": "2027-2028"})

    assert reponse.status_code == 400
    assert "L'année 2027-2028 existe déjà : modifiez-la plutôt." in texte(reponse)
    assert champs(reponse)["annee_scolaire"] == "2027-2028"
    assert ParametresBareme.objects.count() == 6
    assert not ModificationParametre.objects.exists()


@pytest.mark.parametrize(
    ("saisie", "message"),
    [
        ("2028-2030", "Année scolaire invalide : écrivez deux années qui se suivent"),
        ("2028", "Année scolaire invalide"),
        ("mille", "Année scolaire invalide"),
        ("2028 - 2029", "au plus 9 caractères"),
        ("", "Ce champ est obligatoire."),
    ],
)
def test_une_annee_mal_ecrite_est_refusee(national: Client, saisie: str, message: str) -> None:
    reponse = national.post("/national/parametres/ajouter/", {"annee_scolaire": saisie})

    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert ParametresBareme.objects.count() == 6


def test_l_api_applique_la_valeur_modifiee_par_le_national(
    national: Client, anonyme: Client
) -> None:
    def montant_total(annee_scolaire: str) -> str:
        entree = EXEMPLE_CLAS | {"annee_scolaire": annee_scolaire}
        reponse = anonyme.post(
            "/api/v1/simulations", json.dumps(entree), content_type="application/json"
        )
        return reponse.json()["montant_total"]

    assert montant_total("2025-2026") == "8889.00"

    national.post(CHEMIN, formulaire_parametres("2025-2026") | {"montant_max_collectif": "2000"})

    # base min(0,325 × 8 000 ; 2 000) = 2 000 : 2 600 + 2 300 + 2 300
    assert montant_total("2025-2026") == "7200.00"
    assert montant_total("2024-2025") == "8889.00"


def test_le_simulateur_applique_la_valeur_modifiee_par_le_national(
    national: Client, anonyme: Client
) -> None:
    national.post(CHEMIN, formulaire_parametres("2025-2026") | {"montant_max_collectif": "2000"})

    reponse = anonyme.post("/simulateur/", formulaire_exemple())

    assert reponse.status_code == 200
    assert "7\u00a0200,00\u00a0€" in texte(reponse)
    assert "2\u00a0000,00\u00a0€" in texte(reponse)


def test_modifier_parametres_refuse_une_version_perimee(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    parametres = annee()
    with pytest.raises(VersionPerimee):
        modifier_parametres(
            parametres,
            parametres.valeurs() | {"taux": Decimal("0.4")},
            parametres.sources,
            "motif",
            utilisateurs["national"],
            "2000-01-01T00:00:00+00:00",
        )
    assert annee().taux == Decimal("0.3250")


def test_modifier_parametres_refuse_un_jeu_incoherent_avant_toute_ecriture(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    parametres = annee()
    with pytest.raises(ValueError, match="L'effectif minimal ne peut pas dépasser"):
        modifier_parametres(
            parametres,
            parametres.valeurs() | {"effectif_min": 20},
            parametres.sources,
            "motif",
            utilisateurs["national"],
            parametres.updated_at.isoformat(),
        )
    assert annee().effectif_min == 8
    assert not ModificationParametre.objects.exists()


def test_modifier_parametres_change_la_version(utilisateurs: dict[str, Utilisateur]) -> None:
    parametres = annee()
    version = parametres.updated_at.isoformat()

    modifier_parametres(
        parametres,
        parametres.valeurs() | {"taux": Decimal("0.4")},
        parametres.sources,
        "motif",
        utilisateurs["national"],
        version,
    )

    assert annee().updated_at.isoformat() != version
    assert simuler(EXEMPLE_CLAS).parametres.taux == Decimal("0.4")


def test_ajouter_annee_reprend_la_plus_recente_meme_si_elle_est_creee_apres(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    ajouter_annee("2028-2029", utilisateurs["national"])
    parametres = annee("2028-2029")
    modifier_parametres(
        parametres,
        parametres.valeurs() | {"bonus_projets_culturels": Decimal("350.00")},
        parametres.sources,
        "Revalorisation",
        utilisateurs["national"],
        parametres.updated_at.isoformat(),
    )

    ajouter_annee("2029-2030", utilisateurs["national"])

    assert annee("2029-2030").bonus_projets_culturels == Decimal("350.00")


def test_un_parametre_corrige_sur_la_page_de_l_erreur_est_enregistre(national: Client) -> None:
    """Comme un usager : l'erreur, la correction sur la page qui la signale, l'enregistrement,
    puis la page rechargée qui montre la correction."""
    page = national.get(CHEMIN)
    donnees = formulaire_du_navigateur(page)
    donnees["taux"] = ["trente-cinq"]
    donnees["motif"] = ["Circulaire Cnaf 2026-014"]
    erreur = national.post(CHEMIN, donnees)
    assert erreur.status_code == 400
    assert champs(erreur)["motif"] == "Circulaire Cnaf 2026-014"

    donnees = formulaire_du_navigateur(erreur)
    donnees["taux"] = ["0.35"]
    correction = national.post(CHEMIN, donnees)

    assert correction.status_code == 302, texte(correction)
    assert champs(national.get(CHEMIN))["taux"] == "0.35"
    assert annee().taux == Decimal("0.35")


@pytest.mark.parametrize(
    ("champ", "valeur"),
    [("effectif_max", "30000"), ("intervenants_min", "500"), ("semaines_reference", "520")],
)
def test_une_valeur_absurde_est_refusee_et_rien_n_est_enregistre(
    national: Client, champ: str, valeur: str
) -> None:
    avant = annee()
    donnees = formulaire_parametres("2025-2026") | {champ: valeur}

    reponse = national.post(CHEMIN, donnees)

    assert reponse.status_code in (200, 400)
    assert "inférieure ou égale" in texte(reponse)
    assert getattr(annee(), champ) == getattr(avant, champ)
    assert not ModificationParametre.objects.exists()
