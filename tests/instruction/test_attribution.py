"""L'attribution des dossiers depuis la file (`/instruction/attribuer/`), comme le
responsable de la Caf la fait : il coche des dossiers (dont ceux d'un agent désactivé, à
réattribuer), se trompe (aucun instructeur choisi, aucun dossier coché), corrige, enregistre
et relit la file. Un instructeur désactivé, d'une autre Caf ou sans le rôle est refusé sans
rien enregistrer ; un agent qui n'est pas responsable est refusé."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from clas.comptes import equipes
from clas.comptes.models import AgentCaf
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Dossier, EtatDossier, Evenement
from tests.factories import AgentCafFactory
from tests.outils import texte

from .outils import creer_campagne, creer_dossier

pytestmark = pytest.mark.django_db

E = EtatDossier
URL_FILE = "/instruction/?file=tous"
URL_ATTRIBUER = reverse("instruction_attribuer")


@pytest.fixture
def partant(caf_rhone, utilisateurs):
    """Un instructeur du Rhône qui quitte la Caf : désactivé, un dossier encore à lui."""
    agent = AgentCafFactory(
        caf=caf_rhone,
        utilisateur__email="partant@rhone.exemple.fr",
        utilisateur__prenom="Paul",
        utilisateur__nom="Partant",
    )
    return agent


@pytest.fixture
def jeu(campagne_rhone, partant, utilisateurs, utilisateur_responsable) -> dict[str, Dossier]:
    """Un dossier déposé, un en attente de compléments sans instructeur, un en instruction
    chez l'agent désactivé, un accepté ; et un dossier de la Somme."""
    jeu = {
        "depose": creer_dossier(campagne_rhone, nom="Déposé Lyon"),
        "complements": creer_dossier(
            campagne_rhone, etat=E.COMPLEMENTS_DEMANDES, nom="Compléments Bron"
        ),
        "orphelin": creer_dossier(
            campagne_rhone,
            etat=E.EN_INSTRUCTION,
            instructeur=partant.utilisateur,
            nom="Orphelin Vénissieux",
        ),
        "accepte": creer_dossier(
            campagne_rhone, etat=E.ACCEPTE, nom="Accepté Givors", instructeur=partant.utilisateur
        ),
    }
    equipes.desactiver(partant, utilisateurs["national"], "Mutation")
    somme = creer_campagne(
        AgentCaf.objects.get(utilisateur=utilisateurs["instructeur_autre_caf"]).caf,
        "2026-2027",
        cree_par=utilisateurs["instructeur_autre_caf"],
    )
    jeu["somme"] = creer_dossier(somme, nom="Somme Abbeville")
    return jeu


@dataclass
class FormulaireAttribution:
    """Ce que montre le formulaire d'attribution de la file."""

    retour: str  # l'adresse de retour (la file telle qu'elle est filtrée)
    cases: list[str]  # les dossiers qu'on peut cocher
    cochees: list[str]  # ceux qui sont cochés
    options: list[str]  # les instructeurs qu'on peut choisir
    choisi: str  # l'instructeur choisi


def formulaire_d_attribution(reponse) -> FormulaireAttribution:
    page = reponse.content.decode()
    debut = page.index('id="form-attribuer"')
    formulaire = page[debut : page.index("</form>", debut)]
    retour = re.search(r'name="retour" value="([^"]*)"', formulaire)
    select = re.search(r'id="attribuer-instructeur"[^>]*>(.*?)</select>', formulaire, re.S)
    assert retour and select
    choisi = re.search(r'<option value="(\d*)" selected>', select.group(1))
    return FormulaireAttribution(
        retour=html.unescape(retour.group(1)),
        cases=re.findall(r'<input type="checkbox" name="dossiers" value="(\d+)"', formulaire),
        cochees=re.findall(r'name="dossiers" value="(\d+)" id="[^"]+" checked>', formulaire),
        options=re.findall(r'<option value="(\d+)"', select.group(1)),
        choisi=choisi.group(1) if choisi else "",
    )


def etat_des_dossiers(jeu: dict[str, Dossier]) -> dict[str, tuple[str, int | None]]:
    return {
        cle: Dossier.objects.values_list("etat", "instructeur_id").get(pk=dossier.pk)
        for cle, dossier in jeu.items()
    }


def test_le_responsable_arrive_sur_les_dossiers_a_instruire_avec_le_formulaire(
    responsable, jeu, utilisateurs, partant
) -> None:
    reponse = responsable.get("/instruction/")
    assert reponse.context["file"] == "a_instruire"
    assert reponse.context["attribution"] is True
    formulaire = formulaire_d_attribution(reponse)
    assert formulaire.cases == [str(jeu["depose"].pk)]
    options = formulaire.options
    # Les instructeurs actifs de la Caf seulement : ni l'agent désactivé, ni le valideur.
    assert str(utilisateurs["instructeur"].pk) in options
    assert str(partant.utilisateur_id) not in options
    assert str(utilisateurs["valideur"].pk) not in options


def test_le_responsable_attribue_en_lot_apres_avoir_corrige_ses_oublis(
    responsable, jeu, utilisateurs, utilisateur_responsable, partant
) -> None:
    cible = utilisateurs["instructeur"]
    # La fiche de l'agent désactivé renvoie à la file de ses dossiers ; il prend la file
    # « tous » pour y ajouter les dossiers sans instructeur.
    fiche = texte(responsable.get(f"/equipes/agents/{partant.pk}/"))
    assert f"instructeur={partant.utilisateur_id}" in fiche
    page = responsable.get(URL_FILE)
    formulaire = formulaire_d_attribution(page)
    retour, cases = formulaire.retour, formulaire.cases
    assert retour == URL_FILE
    a_cocher = [str(jeu[c].pk) for c in ("depose", "complements", "orphelin", "accepte")]
    assert set(a_cocher) <= set(cases)
    assert str(jeu["somme"].pk) not in cases
    avant = etat_des_dossiers(jeu)

    # Première erreur : les dossiers cochés, pas d'instructeur choisi.
    erreur = responsable.post(URL_ATTRIBUER, {"retour": retour, "dossiers": a_cocher})
    assert erreur.status_code == 302 and erreur["Location"] == URL_FILE
    rechargee = responsable.get(erreur["Location"])
    assert "Choisissez l'instructeur à qui attribuer les dossiers cochés." in texte(rechargee)
    formulaire = formulaire_d_attribution(rechargee)
    assert sorted(formulaire.cochees) == sorted(a_cocher)  # rien de coché n'est perdu
    assert formulaire.choisi == ""
    assert etat_des_dossiers(jeu) == avant

    # Deuxième erreur : l'instructeur choisi, plus aucun dossier coché.
    erreur = responsable.post(URL_ATTRIBUER, {"retour": retour, "instructeur": cible.pk})
    rechargee = responsable.get(erreur["Location"])
    assert "Cochez au moins un dossier à attribuer." in texte(rechargee)
    assert formulaire_d_attribution(rechargee).choisi == str(cible.pk)
    assert etat_des_dossiers(jeu) == avant

    # La correction : les dossiers et l'instructeur.
    envoi = responsable.post(
        URL_ATTRIBUER, {"retour": retour, "dossiers": a_cocher, "instructeur": cible.pk}
    )
    assert envoi.status_code == 302
    resultat = texte(responsable.get(envoi["Location"]))
    numeros = ", ".join(jeu[c].numero for c in ("depose", "complements", "orphelin"))
    assert f"3 dossiers attribués à {cible} : {numeros}." in resultat
    assert f"Dossier {jeu['accepte'].numero} inchangé : le dossier est « Accepté »." in resultat

    apres = etat_des_dossiers(jeu)
    assert apres["depose"] == (E.EN_INSTRUCTION, cible.pk)
    assert apres["complements"] == (E.COMPLEMENTS_DEMANDES, cible.pk)
    assert apres["orphelin"] == (E.EN_INSTRUCTION, cible.pk)
    assert apres["accepte"] == avant["accepte"]
    assert apres["somme"] == avant["somme"]

    # Le rechargement de la file de l'instructeur montre les trois dossiers chez lui.
    sa_file = responsable.get(f"/instruction/?file=tous&instructeur={cible.pk}")
    assert {d.pk for d in sa_file.context["dossiers"]} == {
        jeu[c].pk for c in ("depose", "complements", "orphelin")
    }
    assert sa_file.context["saisie_attribution"]["dossiers"] == []  # la saisie est oubliée
    # L'agent désactivé n'a plus que son dossier accepté.
    sa_file = responsable.get(f"/instruction/?file=tous&instructeur={partant.utilisateur_id}")
    assert [d.pk for d in sa_file.context["dossiers"]] == [jeu["accepte"].pk]


def test_chaque_attribution_est_ecrite_dans_l_historique(
    responsable, jeu, utilisateurs, utilisateur_responsable
) -> None:
    cible = utilisateurs["instructeur"]
    ids = [jeu[c].pk for c in ("depose", "complements", "orphelin")]
    responsable.post(URL_ATTRIBUER, {"retour": URL_FILE, "dossiers": ids, "instructeur": cible.pk})

    def evenements(cle: str) -> list[Evenement]:
        return list(
            Evenement.objects.filter(dossier=jeu[cle], auteur=utilisateur_responsable).order_by(
                "pk"
            )
        )

    # Déposé : la prise en instruction elle-même dit à qui le dossier est attribué.
    (prise,) = evenements("depose")
    assert prise.type == TypeEvenement.PRENDRE_EN_INSTRUCTION
    assert (prise.etat_avant, prise.etat_apres) == (E.DEPOSE, E.EN_INSTRUCTION)
    assert f"attribué à {cible.nom_complet} par Isabelle Fontaine" in prise.description
    # Sans instructeur, hors dépôt : une attribution.
    (attribution,) = evenements("complements")
    assert attribution.type == TypeEvenement.ATTRIBUTION
    assert attribution.description == (
        f"Dossier attribué à {cible.nom_complet} par Isabelle Fontaine."
    )
    # Chez l'agent désactivé : une réattribution, de lui à l'instructeur choisi.
    (reattribution,) = evenements("orphelin")
    assert reattribution.type == TypeEvenement.REATTRIBUTION
    assert reattribution.description == (
        f"Dossier réattribué de Paul Partant à {cible.nom_complet} par Isabelle Fontaine."
    )
    assert not reattribution.public  # interne à la Caf
    assert evenements("accepte") == []


@pytest.mark.parametrize(
    ("qui", "message"),
    [
        ("partant", "Paul Partant est désactivé : choisissez un instructeur actif de votre Caf."),
        ("instructeur_autre_caf", "n'est pas un agent de votre Caf : choisissez un instructeur"),
        ("valideur", "n'a pas le rôle d'instructeur : choisissez un instructeur actif"),
        ("porteur", "n'est pas un agent de votre Caf"),
    ],
)
def test_un_instructeur_qui_ne_peut_pas_recevoir_de_dossiers_est_refuse_sans_rien_enregistrer(
    responsable, jeu, utilisateurs, partant, qui, message
) -> None:
    """Par une page restée ouverte (l'agent désactivé depuis) ou un envoi fabriqué."""
    choisi = partant.utilisateur if qui == "partant" else utilisateurs[qui]
    ids = [jeu[c].pk for c in ("depose", "complements", "orphelin")]
    avant = etat_des_dossiers(jeu)
    evenements = Evenement.objects.count()

    reponse = responsable.post(
        URL_ATTRIBUER, {"retour": URL_FILE, "dossiers": ids, "instructeur": choisi.pk}
    )

    assert reponse.status_code == 302
    rechargee = responsable.get(reponse["Location"])
    assert message in texte(rechargee)
    assert sorted(formulaire_d_attribution(rechargee).cochees) == sorted(str(i) for i in ids)
    assert etat_des_dossiers(jeu) == avant
    assert Evenement.objects.count() == evenements


def test_un_dossier_d_une_autre_caf_coche_par_un_envoi_fabrique_est_ignore(
    responsable, jeu, utilisateurs
) -> None:
    cible = utilisateurs["instructeur"]
    ids = [jeu["depose"].pk, jeu["somme"].pk]
    reponse = responsable.post(
        URL_ATTRIBUER, {"retour": URL_FILE, "dossiers": ids, "instructeur": cible.pk}
    )
    page = texte(responsable.get(reponse["Location"]))
    assert f"1 dossier attribué à {cible} : {jeu['depose'].numero}." in page
    assert "1 dossier(s) coché(s) introuvable(s) dans votre Caf : ignoré(s)." in page
    assert etat_des_dossiers(jeu)["somme"] == (E.DEPOSE, None)


def test_un_dossier_deja_attribue_a_cet_instructeur_est_laisse_tel_quel(
    responsable, jeu, utilisateurs
) -> None:
    cible = utilisateurs["instructeur"]
    donnees = {"retour": URL_FILE, "dossiers": [jeu["orphelin"].pk], "instructeur": cible.pk}
    responsable.post(URL_ATTRIBUER, donnees)
    reponse = responsable.post(URL_ATTRIBUER, donnees)
    page = texte(responsable.get(reponse["Location"]))
    assert f"inchangé : il est déjà attribué à {cible.nom_complet}." in page
    assert Evenement.objects.filter(dossier=jeu["orphelin"], type="reattribution").count() == 1


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable"])
def test_un_agent_qui_n_est_pas_responsable_ne_peut_pas_attribuer(
    client_de, jeu, utilisateurs, persona
) -> None:
    client = client_de(persona)
    assert 'id="form-attribuer"' not in client.get(URL_FILE).content.decode()
    avant = etat_des_dossiers(jeu)

    reponse = client.post(
        URL_ATTRIBUER,
        {
            "retour": URL_FILE,
            "dossiers": [jeu["depose"].pk],
            "instructeur": utilisateurs["instructeur"].pk,
        },
    )

    assert reponse.status_code == 403
    assert "Seul le responsable de la Caf attribue ses dossiers." in texte(reponse)
    assert etat_des_dossiers(jeu) == avant


def test_un_responsable_desactive_ne_peut_plus_attribuer(
    responsable, jeu, utilisateurs, utilisateur_responsable
) -> None:
    AgentCaf.objects.filter(utilisateur=utilisateur_responsable).update(actif=False)
    reponse = responsable.post(
        URL_ATTRIBUER,
        {"dossiers": [jeu["depose"].pk], "instructeur": utilisateurs["instructeur"].pk},
    )
    # Un compte désactivé est déconnecté ; sinon refusé : jamais attribué.
    assert reponse.status_code in (302, 403)
    assert etat_des_dossiers(jeu)["depose"] == (E.DEPOSE, None)
