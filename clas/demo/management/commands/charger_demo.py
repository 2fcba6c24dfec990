"""Charge les données de démonstration (idempotent) : deux Caf, des structures, un compte
par rôle, des dossiers datés comme s'ils avaient vécu (voir clas.demo.chronologie). Refuse
de tourner hors DEBUG sans --force, pour ne jamais toucher une base réelle par erreur.
Affiche ensuite chaque compte, ce qu'il montre et l'adresse où se connecter."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from clas.comptes.models import AgentCaf, Utilisateur
from clas.core.validators import iban_fr, siret_valide_depuis
from clas.demo.approbations import charger_approbations
from clas.demo.chronologie import Horloge
from clas.demo.coordonnees import charger_coordonnees
from clas.demo.donnees import charger_dossiers, charger_instruction
from clas.demo.versements import charger_versements
from clas.referentiel.models import Caf
from clas.structures.models import MembreStructure, RoleMembre, Structure, TypeStructure

MOT_DE_PASSE = "demo-clas-2026"

STRUCTURES = [
    # (SIREN + NIC sans clé, nom, type, commune, code postal, département)
    (
        "3120456780001",
        "Centre social des Pentes",
        TypeStructure.CENTRE_SOCIAL,
        "Lyon",
        "69001",
        "69",
    ),
    (
        "4410987650002",
        "Association Réussir ensemble",
        TypeStructure.ASSOCIATION,
        "Villeurbanne",
        "69100",
        "69",
    ),
    (
        "2180011220003",
        "Espace de vie sociale du Vimeu",
        TypeStructure.ESPACE_VIE_SOCIALE,
        "Abbeville",
        "80100",
        "80",
    ),
]

COMPTES: list[dict[str, Any]] = [
    {
        "email": "porteur@demo.clas.fr",
        "prenom": "Amina",
        "nom": "Benali",
        "structure": 0,
        "role": RoleMembre.ADMINISTRATEUR,
        "page": "/structure/",
        "montre": "dossier de l'année déposé, brouillon de l'année suivante repris du "
        "dossier de l'année, dossier de l'an dernier accepté, acompte payé et bilan à déposer, "
        "nouveau compte bancaire en attente de vérification",
    },
    {
        # Un membre qui prépare les dossiers sans administrer la structure ni signer.
        "email": "contributeur@demo.clas.fr",
        "prenom": "Lucas",
        "nom": "Girard",
        "structure": 0,
        "role": RoleMembre.CONTRIBUTEUR,
        "page": "/structure/",
        "montre": "les dossiers du Centre social des Pentes à compléter, sans administrer la "
        "structure ni signer",
    },
    {
        "email": "porteur2@demo.clas.fr",
        "prenom": "Julien",
        "nom": "Moreau",
        "structure": 1,
        "role": RoleMembre.ADMINISTRATEUR,
        "page": "/structure/",
        "montre": "dossier en brouillon (collectif rural de 5 enfants), pièce expirée dans le "
        "coffre-fort, dossier de l'an dernier déposé",
    },
    {
        "email": "porteur.somme@demo.clas.fr",
        "prenom": "Claire",
        "nom": "Lefebvre",
        "structure": 2,
        "role": RoleMembre.ADMINISTRATEUR,
        "page": "/structure/",
        "montre": "dossier déposé, en attente de l'instruction de la Caf de la Somme",
    },
    {
        "email": "instructeur@demo.clas.fr",
        "prenom": "Sophie",
        "nom": "Martin",
        "caf": "69",
        "roles": {"est_instructeur"},
        "page": "/caf/",
        "montre": "file à instruire, dossiers en instruction, compléments demandés, bilan à "
        "examiner, bilan de l'an dernier en retard (après le 30 septembre)",
    },
    {
        "email": "valideur@demo.clas.fr",
        "prenom": "Marc",
        "nom": "Dubois",
        "caf": "69",
        "roles": {"est_valideur"},
        "page": "/caf/",
        "montre": "proposition d'accord à valider, solde à valider, compte bancaire d'une "
        "structure à vérifier",
    },
    {
        "email": "comptable@demo.clas.fr",
        "prenom": "Nadia",
        "nom": "Roux",
        "caf": "69",
        "roles": {"est_comptable"},
        "page": "/paiements/",
        "montre": "acompte validé à mettre dans un lot, lots payés, indu en partie remboursé",
    },
    {
        "email": "responsable@demo.clas.fr",
        "prenom": "Isabelle",
        "nom": "Fontaine",
        "caf": "69",
        "roles": {"est_responsable"},
        "page": "/caf/",
        "montre": "l'équipe de la Caf du Rhône (inviter un agent, changer ses rôles, le "
        "désactiver), les dossiers à attribuer aux instructeurs depuis la file",
    },
    {
        "email": "instructeur.somme@demo.clas.fr",
        "prenom": "Thomas",
        "nom": "Petit",
        "caf": "80",
        "roles": {"est_instructeur"},
        "page": "/caf/",
        "montre": "un dossier déposé à instruire, un dossier en instruction",
    },
    {
        "email": "national@demo.clas.fr",
        "prenom": "Hélène",
        "nom": "Garnier",
        "national": True,
        "page": "/national/",
        "montre": "paramètres du barème par année, campagnes et statistiques de toutes les Caf, "
        "sa modification du barème de l'année en attente d'approbation",
    },
    {
        "email": "national2@demo.clas.fr",
        "prenom": "Karim",
        "nom": "Haddad",
        "national": True,
        "page": "/national/",
        "montre": "second administrateur national : approuve ou refuse la modification du "
        "barème proposée par national@demo.clas.fr (quatre yeux)",
    },
]

ADRESSE = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Charge les données de démonstration (comptes, Caf, structures). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="charger même quand DEBUG est désactivé (tests, recette)",
        )
        parser.add_argument(
            "--url",
            default=ADRESSE,
            help=f"adresse du site, affichée avec les comptes (par défaut {ADRESSE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG est désactivé : ce n'est peut-être pas une base de démonstration. "
                "Relancez avec --force si vous êtes sûr de vous."
            )
        if Caf.objects.count() < 101:
            raise CommandError("Le référentiel des Caf est absent : lancez d'abord « migrate ».")
        # Les dépôts de démonstration n'envoient pas d'accusé par courriel : la console de
        # « make run » resterait lisible.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            horloge = Horloge()
            # Les comptes et les structures existent depuis le printemps de l'an dernier.
            with horloge.a(horloge.an_passe(4, 1, 9)):
                structures = self._structures()
                comptes = {compte["email"]: self._compte(compte, structures) for compte in COMPTES}
            charger_dossiers(horloge, structures, comptes)
            charger_instruction(horloge, comptes, MOT_DE_PASSE)
            charger_versements(horloge, comptes, MOT_DE_PASSE)
            with horloge.a(horloge.il_y_a(1, 17)):
                charger_coordonnees(structures[0], comptes["porteur@demo.clas.fr"])
            with horloge.a(horloge.il_y_a(0.5, 9)):
                charger_approbations(horloge.annee, comptes["national@demo.clas.fr"])
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(self.presentation(options["url"]))

    @classmethod
    def presentation(cls, url: str) -> str:
        """Chaque compte, ce qu'il montre et la page où il arrive, puis l'adresse du site."""
        racine = url.rstrip("/")
        lignes = [f"Comptes de démonstration (mot de passe « {MOT_DE_PASSE} ») :"]
        for compte in COMPTES:
            lignes += [
                f"  {compte['email']}",
                f"      {cls._libelle(compte)} — arrive sur {racine}{compte['page']}",
                f"      on y voit : {compte['montre']}.",
            ]
        lignes += [
            "  Les équipes des autres structures de la démo (par exemple "
            "minguettes@demo.clas.fr) ont le même mot de passe.",
            f"Le site : {racine}/ (connexion : {racine}/connexion/)",
        ]
        return "\n".join(lignes)

    def _structures(self) -> list[Structure]:
        structures = []
        for rang, (debut, nom, type_structure, commune, code_postal, departement) in enumerate(
            STRUCTURES
        ):
            association = type_structure == TypeStructure.ASSOCIATION
            structure, _ = Structure.objects.update_or_create(
                siret=siret_valide_depuis(debut),
                defaults={
                    "nom": nom,
                    "type_structure": type_structure,
                    "forme_juridique": "association_1901",
                    "rna": f"W{departement}{1234567 + rang:07d}" if association else "",
                    "adresse": [
                        "12 montée de la Grande-Côte",
                        "3 place de la Mairie",
                        "8 rue des Teinturiers",
                    ][rang],
                    "commune": commune,
                    "code_postal": code_postal,
                    "departement": departement,
                    "caf": Caf.objects.get(departement=departement),
                    "iban": iban_fr(f"3000600001123456{rang:05d}"),
                    "bic": "AGRIFRPP",
                    "representant_prenom": ["Fatou", "Bernard", "Anne"][rang],
                    "representant_nom": ["Diallo", "Chevalier", "Lemaire"][rang],
                    "representant_qualite": "Président(e)",
                    "email": f"contact@{nom.lower().split()[-1]}.demo.clas.fr",
                    "telephone": "04 72 00 00 0" + str(rang),
                },
            )
            structures.append(structure)
        return structures

    def _compte(self, compte: dict[str, Any], structures: list[Structure]) -> Utilisateur:
        utilisateur, _ = Utilisateur.objects.update_or_create(
            email=compte["email"],
            defaults={
                "prenom": compte["prenom"],
                "nom": compte["nom"],
                "est_admin_national": compte.get("national", False),
                "is_active": True,
            },
        )
        utilisateur.set_password(MOT_DE_PASSE)
        utilisateur.save(update_fields=["password"])
        if "structure" in compte:
            MembreStructure.objects.update_or_create(
                utilisateur=utilisateur,
                structure=structures[compte["structure"]],
                defaults={"role": compte["role"]},
            )
        if "caf" in compte:
            roles = {
                r: r in compte["roles"]
                for r in ("est_instructeur", "est_valideur", "est_comptable", "est_responsable")
            }
            AgentCaf.objects.update_or_create(
                utilisateur=utilisateur,
                defaults={"caf": Caf.objects.get(departement=compte["caf"]), **roles},
            )
        return utilisateur

    @staticmethod
    def _libelle(compte: dict[str, Any]) -> str:
        if compte.get("national"):
            return "administration nationale"
        if "caf" in compte:
            roles = ", ".join(r.removeprefix("est_") for r in sorted(compte["roles"]))
            caf = Caf.objects.get(departement=compte["caf"]).nom
            return f"{roles} — {caf}"
        structure = STRUCTURES[compte["structure"]]
        caf = Caf.objects.get(departement=structure[5]).nom
        return f"{compte['role'].label.lower()} de « {structure[1]} » ({caf})"
