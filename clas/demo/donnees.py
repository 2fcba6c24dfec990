"""Dossiers de démonstration (commande charger_demo) : campagnes, pièces et dossiers à
différents états, créés par les mêmes fonctions que l'application quand c'est possible.

Idempotent : on ne recrée pas ce qui existe déjà (repéré par titre de dossier).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.core.validators import siret_valide_depuis
from clas.dossiers.actions import deposer, reprendre_dossier
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import (
    Collectif,
    Dossier,
    Evenement,
    Intervenant,
    LigneBudget,
    PieceDossier,
)
from clas.referentiel.actions import ajouter_annee
from clas.referentiel.models import Caf, ParametresBareme
from clas.structures.models import PieceJustificative, Structure

from .chronologie import Horloge, fin_d_annee


def pdf_minimal(titre: str) -> bytes:
    """Un vrai PDF d'une page, sans dépendance : assez pour les pièces de démonstration."""
    texte = titre.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    flux = b"BT /F1 18 Tf 72 720 Td (" + texte + b") Tj ET"
    objets = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(flux) + flux + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    sortie = bytearray(b"%PDF-1.4\n")
    positions = []
    for numero, objet in enumerate(objets, start=1):
        positions.append(len(sortie))
        sortie += b"%d 0 obj\n" % numero + objet + b"\nendobj\n"
    xref = len(sortie)
    sortie += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objets) + 1)
    for position in positions:
        sortie += b"%010d 00000 n \n" % position
    sortie += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objets) + 1,
        xref,
    )
    return bytes(sortie)


def campagne(
    horloge: Horloge,
    caf: Caf,
    annee: str,
    ouverture: dt.datetime,
    cloture: dt.datetime,
    auteur: Any,
) -> Campagne:
    """Préparée par la Caf deux semaines avant son ouverture."""
    with horloge.a(ouverture - dt.timedelta(days=14)):
        objet, _ = Campagne.objects.get_or_create(
            caf=caf,
            annee_scolaire=annee,
            defaults={
                "titre": f"Appel à projets Clas {annee}",
                "ouverture": ouverture,
                "cloture": cloture,
                "enveloppe": Decimal("450000.00") if caf.departement == "69" else Decimal("120000"),
                "cree_par": auteur,
            },
        )
    return objet


def parametres_des_annees(horloge: Horloge, national: Utilisateur) -> None:
    """Les paramètres du barème des trois années de la démo : une année pas encore
    paramétrée (démo chargée bien après la livraison) reprend ceux de la précédente, comme
    le ferait l'administration nationale."""
    for annee, moment in (
        (horloge.precedente, horloge.an_passe(3, 1)),
        (horloge.annee, horloge.il_y_a(60)),
        (horloge.suivante, horloge.il_y_a(10)),
    ):
        if not ParametresBareme.objects.filter(annee_scolaire=annee).exists():
            with horloge.a(moment):
                ajouter_annee(annee, national)


# (type, titre, validité en jours à partir d'aujourd'hui) : les échéances restent à venir
# quel que soit le jour où l'on charge la démo.
PIECES = [
    ("statuts", "Statuts", None),
    ("rib", "Relevé d'identité bancaire", None),
    ("assurance", "Attestation d'assurance", 210),
    ("dirigeants", "Liste des dirigeants", 120),
    ("rapport_activite", "Rapport d'activité", None),
]


def pieces(
    horloge: Horloge, structure: Structure, auteur: Utilisateur, assurance_expiree: bool
) -> list[Any]:
    """Déposées dans le coffre-fort au printemps de l'an dernier, avant le premier dossier."""
    resultat = []
    for type_piece, titre, validite in PIECES:
        existante = structure.pieces.filter(type_piece=type_piece).first()
        if existante:
            resultat.append(existante)
            continue
        contenu = pdf_minimal(f"{titre} - {structure.nom} (document de démonstration)")
        piece = PieceJustificative(
            structure=structure,
            type_piece=type_piece,
            nom_fichier=f"{type_piece}.pdf",
            taille=len(contenu),
            type_mime="application/pdf",
            date_validite=horloge.dans(validite) if validite else None,
            deposee_par=auteur,
        )
        with horloge.a(horloge.an_passe(4, 10)):
            piece.fichier.save(f"{type_piece}.pdf", ContentFile(contenu), save=False)
            piece.save()
        resultat.append(piece)
    if assurance_expiree:
        # Une pièce expirée depuis un mois, pour voir le signalement dans le coffre-fort.
        structure.pieces.filter(type_piece="rapport_activite").update(
            date_validite=horloge.dans(-30)
        )
    return resultat


TEXTES = {
    "resume": "Accompagnement à la scolarité en petits groupes, deux soirs par semaine, avec "
    "des sorties culturelles et des rencontres régulières avec les parents.",
    "axe_enfants": "Aide méthodologique, lecture plaisir, jeux éducatifs, projets collectifs.",
    "axe_parents": "Cafés des parents mensuels, aide à l'utilisation de l'ENT, orientation.",
    "axe_ecole": "Rencontres trimestrielles avec les enseignants et le principal du collège.",
    "axe_partenaires": "Médiathèque, maison de quartier, club de prévention.",
    "orientation_enfants": "Orientation par les enseignants, avec l'accord des parents.",
    "liens_ecoles_pedt": "Projet inscrit dans le PEDT de la commune ; convention avec les écoles.",
    "lieux": "Salles d'activité du centre, à 5 minutes à pied des écoles.",
}


def dossier(
    horloge: Horloge,
    cree_le: dt.datetime,
    structure: Structure,
    campagne_: Campagne,
    auteur: Utilisateur,
    titre: str,
    collectifs: list[dict[str, Any]],
    charges: Decimal,
    subventions: Decimal,
    ps_demandee: Decimal,
    pieces_: list[Any],
) -> Dossier:
    existant = Dossier.objects.filter(structure=structure, campagne=campagne_).first()
    if existant:
        return existant
    with horloge.a(cree_le):
        return _nouveau_dossier(
            structure,
            campagne_,
            auteur,
            titre,
            collectifs,
            charges,
            subventions,
            ps_demandee,
            pieces_,
        )


def _nouveau_dossier(
    structure: Structure,
    campagne_: Campagne,
    auteur: Utilisateur,
    titre: str,
    collectifs: list[dict[str, Any]],
    charges: Decimal,
    subventions: Decimal,
    ps_demandee: Decimal,
    pieces_: list[Any],
) -> Dossier:
    nouveau = Dossier.objects.create(
        structure=structure,
        campagne=campagne_,
        cree_par=auteur,
        titre=titre,
        ps_demandee=ps_demandee,
        **TEXTES,
    )
    Evenement.noter(
        nouveau, TypeEvenement.CREATION, "Dossier créé.", auteur=auteur, apres="brouillon"
    )
    for ordre, donnees in enumerate(collectifs):
        intervenants = donnees.pop("intervenants", 2)
        collectif = Collectif.objects.create(dossier=nouveau, ordre=ordre, **donnees)
        for rang in range(intervenants):
            Intervenant.objects.create(
                collectif=collectif,
                nom=["Karim Haddad", "Lucie Bernard", "Paul Girard"][rang % 3],
                statut="salarie" if rang == 0 else "benevole",
                qualification="BPJEPS" if rang == 0 else "Enseignant retraité",
            )
    lignes = [
        ("charge", "60", "", "Fournitures et petit matériel", charges * Decimal("0.10")),
        ("charge", "61", "", "Locations et assurances", charges * Decimal("0.10")),
        ("charge", "62", "", "Sorties culturelles et intervenants", charges * Decimal("0.15")),
        ("charge", "64", "", "Rémunération des animateurs", charges * Decimal("0.65")),
        ("charge", "86", "", "Bénévolat valorisé", Decimal("3000")),
        ("produit", "74", "commune", "Subvention de la commune", subventions),
        ("produit", "87", "", "Bénévolat valorisé", Decimal("3000")),
        # Les fonds propres équilibrent le budget : charges = produits, prestation comprise.
        ("produit", "75", "", "Fonds propres de la structure", charges - subventions - ps_demandee),
    ]
    for nature, compte, financeur, libelle, montant in lignes:
        LigneBudget.objects.create(
            dossier=nouveau,
            nature=nature,
            compte=compte,
            financeur=financeur,
            libelle=libelle,
            montant=montant.quantize(Decimal("0.01")),
        )
    for piece in pieces_:
        PieceDossier.objects.get_or_create(dossier=nouveau, piece=piece)
    return nouveau


def signer(dossier_: Dossier, signataire: Utilisateur) -> None:
    Dossier.objects.filter(pk=dossier_.pk).update(
        attestation_par=signataire, attestation_le=timezone.now()
    )
    dossier_.refresh_from_db()


def deposer_le(
    horloge: Horloge, dossier_: Dossier, auteur: Utilisateur, moment: dt.datetime
) -> None:
    """L'attestation signée puis le dépôt, au jour dit, pendant que la campagne était
    ouverte : même numérotation, même historique et même accusé qu'un dépôt en ligne."""
    if dossier_.etat != "brouillon":
        return
    with horloge.a(moment):
        signer(dossier_, auteur)
        deposer(dossier_, auteur)
    dossier_.refresh_from_db()


SOIRS = [
    {"jour": "mardi", "debut": "16:45", "fin": "18:15"},
    {"jour": "jeudi", "debut": "16:45", "fin": "18:15"},
]
MERCREDI = [{"jour": "mercredi", "debut": "14:00", "fin": "16:00"}]


def rentree(annee_scolaire: str) -> dt.date:
    """Le lundi de la deuxième semaine de septembre : le début d'activité habituel."""
    premier = dt.date(int(annee_scolaire[:4]), 9, 8)
    return premier + dt.timedelta(days=(7 - premier.weekday()) % 7)


def collectif(
    annee: str, nom: str, niveaux: list[str], enfants: int, **autres: Any
) -> dict[str, Any]:
    valeurs: dict[str, Any] = {
        "nom": nom,
        "lieu": "Salle d'activité",
        "niveaux": niveaux,
        "nb_enfants": enfants,
        "horaires": SOIRS,
        "premiere_semaine": rentree(annee),
        "semaines_de_fonctionnement": 36,
    }
    valeurs.update(autres)
    if valeurs.get("bonus_projets_culturels"):
        valeurs.setdefault(
            "description_projets_culturels", "Sorties au musée, atelier théâtre avec une compagnie."
        )
    if valeurs.get("bonus_accompagnement_parents"):
        valeurs.setdefault(
            "description_accompagnement_parents", "Cafés des parents, aide aux dossiers de bourse."
        )
    return valeurs


def charger_dossiers(
    horloge: Horloge, structures: list[Structure], comptes: dict[str, Utilisateur]
) -> None:
    rhone = Caf.objects.get(departement="69")
    somme = Caf.objects.get(departement="80")
    valideur, national = comptes["valideur@demo.clas.fr"], comptes["national@demo.clas.fr"]
    parametres_des_annees(horloge, national)
    annee, precedente = horloge.annee, horloge.precedente
    debut = horloge.debut
    # La campagne de l'an dernier a duré de mai à juillet, avant sa rentrée ; celle de
    # l'année est ouverte autour d'aujourd'hui.
    passee = campagne(
        horloge,
        rhone,
        precedente,
        horloge.an_passe(5, 5, 9),
        horloge.le(dt.date(debut - 1, 7, 18), 23, 59),
        valideur,
    )
    ouverture, cloture = horloge.campagne_en_cours()
    rhone_en_cours = campagne(horloge, rhone, annee, ouverture, cloture, valideur)
    somme_en_cours = campagne(horloge, somme, annee, ouverture, cloture, national)
    pentes, reussir, vimeu = structures
    porteur, porteur2 = comptes["porteur@demo.clas.fr"], comptes["porteur2@demo.clas.fr"]
    porteur_somme = comptes["porteur.somme@demo.clas.fr"]

    pieces_pentes = pieces(horloge, pentes, porteur, assurance_expiree=False)
    pieces_reussir = pieces(horloge, reussir, porteur2, assurance_expiree=True)
    pieces_vimeu = pieces(horloge, vimeu, porteur_somme, assurance_expiree=False)
    obligatoires = slice(0, 4)

    # Centre social des Pentes : l'an dernier déposé ; cette année déposé, 3 collectifs
    # dont un qui démarre en janvier (18 semaines).
    ancien = dossier(
        horloge,
        horloge.an_passe(5, 14),
        pentes,
        passee,
        porteur,
        f"Réussir aux Pentes {precedente}",
        [
            collectif(precedente, "CP-CE1", ["CP", "CE1"], 10, bonus_projets_culturels=True),
            collectif(precedente, "CE2-CM2", ["CE2", "CM1", "CM2"], 11),
        ],
        Decimal("16000"),
        Decimal("7000"),
        Decimal("5426.00"),
        pieces_pentes[obligatoires],
    )
    deposer_le(horloge, ancien, porteur, horloge.le(dt.date(debut - 1, 6, 20), 10, 30))

    actuel = dossier(
        horloge,
        horloge.il_y_a(44, 14),
        pentes,
        rhone_en_cours,
        porteur,
        "Réussir aux Pentes",
        [
            collectif(
                annee,
                "CP-CE1",
                ["CP", "CE1"],
                10,
                bonus_projets_culturels=True,
                bonus_accompagnement_parents=True,
            ),
            collectif(annee, "CE2-CM2", ["CE2", "CM1", "CM2"], 12, bonus_projets_culturels=True),
            collectif(
                annee,
                "Collégiens 6e-5e",
                ["6e", "5e"],
                9,
                bonus_projets_culturels=True,
                horaires=MERCREDI,
                premiere_semaine=dt.date(debut + 1, 1, 4),
                semaines_de_fonctionnement=18,
            ),
        ],
        Decimal("24000"),
        Decimal("10000"),
        Decimal("7457.50"),
        pieces_pentes[obligatoires],
    )
    deposer_le(horloge, actuel, porteur, horloge.il_y_a(40, 11))

    # L'appel à projets de l'année suivante vient d'ouvrir : le centre social y prépare un
    # brouillon en reprenant son dossier de l'année (« Reprendre le dossier de l'an dernier »).
    rhone_suivante = campagne(
        horloge,
        rhone,
        horloge.suivante,
        horloge.il_y_a(5, 9),
        min(horloge.le(horloge.dans(150), 23, 59), fin_d_annee(horloge.suivante)),
        valideur,
    )
    if not Dossier.objects.filter(structure=pentes, campagne=rhone_suivante).exists():
        with horloge.a(horloge.il_y_a(2, 15)):
            reprendre_dossier(actuel, rhone_suivante, porteur)

    # Association Réussir ensemble (commune rurale) : l'an dernier déposé ; cette année un
    # brouillon avec un collectif rural de 5 enfants.
    ancien2 = dossier(
        horloge,
        horloge.an_passe(5, 22),
        reussir,
        passee,
        porteur2,
        f"Coup de pouce Thizy {precedente}",
        [collectif(precedente, "Primaire", ["CE2", "CM1", "CM2"], 8, milieu_rural=True)],
        Decimal("7000"),
        Decimal("3000"),
        Decimal("2275.00"),
        pieces_reussir[obligatoires],
    )
    deposer_le(horloge, ancien2, porteur2, horloge.le(dt.date(debut - 1, 7, 2), 15))
    dossier(
        horloge,
        horloge.il_y_a(43, 17),
        reussir,
        rhone_en_cours,
        porteur2,
        "Coup de pouce Thizy",
        [
            collectif(
                annee,
                "Hameaux (CM1-CM2)",
                ["CM1", "CM2"],
                5,
                milieu_rural=True,
                bonus_accompagnement_parents=True,
            ),
            collectif(annee, "Collège", ["6e", "5e", "4e"], 8, milieu_rural=True),
        ],
        Decimal("12000"),
        Decimal("4000"),
        Decimal("4500.00"),
        pieces_reussir[obligatoires],
    )

    # Somme : un dossier déposé, pour l'instructeur de la Somme.
    vimeu_en_cours = dossier(
        horloge,
        horloge.il_y_a(44, 10),
        vimeu,
        somme_en_cours,
        porteur_somme,
        "Devoirs faits au Vimeu",
        [
            collectif(
                annee,
                "Primaire",
                ["CM1", "CM2"],
                7,
                milieu_rural=True,
                bonus_projets_culturels=True,
            )
        ],
        Decimal("9000"),
        Decimal("3500"),
        Decimal("2863.00"),
        pieces_vimeu[obligatoires],
    )
    deposer_le(horloge, vimeu_en_cours, porteur_somme, horloge.il_y_a(39, 16))


# Le cycle de vie côté Caf du Rhône : un dossier par état, portés par d'autres structures.
AUTRES_STRUCTURES = [
    # (début de SIRET, nom, type, commune, code postal, département, adresse de l'équipe)
    (
        "5320114560004",
        "Maison des jeunes de Vaulx",
        "accueil_jeunes",
        "Vaulx-en-Velin",
        "69120",
        "69",
        "mjc.vaulx",
    ),
    (
        "5320114560005",
        "Centre social Saint-Jean",
        "centre_social",
        "Villeurbanne",
        "69100",
        "69",
        "cs.saintjean",
    ),
    ("5320114560006", "Tiers-lieu La Fabrique", "tiers_lieu", "Lyon", "69007", "69", "lafabrique"),
    (
        "5320114560007",
        "Association Lire et grandir",
        "association",
        "Vénissieux",
        "69200",
        "69",
        "lireetgrandir",
    ),
    ("5320114560008", "Commune de Givors", "collectivite", "Givors", "69700", "69", "givors"),
    (
        "5320114560009",
        "Association Les Cartables",
        "association",
        "Bron",
        "69500",
        "69",
        "lescartables",
    ),
    (
        "5320114560010",
        "Centre social du Ponthieu",
        "centre_social",
        "Abbeville",
        "80100",
        "80",
        "ponthieu",
    ),
]


def structure_avec_equipe(
    horloge: Horloge, rang: int, ligne: tuple[str, ...], mot_de_passe: str
) -> tuple[Structure, Utilisateur]:
    """La structure et son compte, inscrits sur la plateforme au printemps de l'an dernier."""
    with horloge.a(horloge.an_passe(4, 2, 9)):
        return _structure_avec_equipe(rang, ligne, mot_de_passe)


def _structure_avec_equipe(
    rang: int, ligne: tuple[str, ...], mot_de_passe: str
) -> tuple[Structure, Utilisateur]:
    from clas.core.validators import iban_fr, siret_valide_depuis
    from clas.structures.models import MembreStructure

    debut, nom, type_structure, commune, code_postal, departement, adresse = ligne
    association = type_structure == "association"
    structure, _ = Structure.objects.update_or_create(
        siret=siret_valide_depuis(debut),
        defaults={
            "nom": nom,
            "type_structure": type_structure,
            "forme_juridique": "commune"
            if type_structure == "collectivite"
            else "association_1901",
            "rna": f"W{departement}{2000000 + rang:07d}" if association else "",
            "adresse": f"{10 + rang} rue de la République",
            "commune": commune,
            "code_postal": code_postal,
            "departement": departement,
            "caf": Caf.objects.get(departement=departement),
            "iban": iban_fr(f"3000600001234567{rang:05d}"),
            "bic": "AGRIFRPP",
            "representant_prenom": "Dominique",
            "representant_nom": "Laurent",
            "representant_qualite": "Président(e)" if association else "Maire",
            "email": f"contact@{adresse}.demo.clas.fr",
        },
    )
    utilisateur, cree = Utilisateur.objects.get_or_create(
        email=f"{adresse}@demo.clas.fr", defaults={"prenom": "Équipe", "nom": nom}
    )
    if cree:
        utilisateur.set_password(mot_de_passe)
        utilisateur.save(update_fields=["password"])
    MembreStructure.objects.get_or_create(
        utilisateur=utilisateur, structure=structure, defaults={"role": "administrateur"}
    )
    return structure, utilisateur


def dossier_depose(
    horloge: Horloge,
    jours: tuple[int, int],
    structure: Structure,
    campagne_: Campagne,
    porteur: Utilisateur,
    titre: str,
    annee: str,
    enfants: tuple[int, ...] = (10, 9),
    bonus: bool = True,
) -> Dossier:
    """Créé puis déposé il y a `jours` jours (création, dépôt)."""
    creation, depot = jours
    collectifs = [
        collectif(
            annee,
            f"Groupe {rang + 1}",
            ["CM1", "CM2"],
            nombre,
            bonus_projets_culturels=bonus and rang == 0,
        )
        for rang, nombre in enumerate(enfants)
    ]
    nouveau = dossier(
        horloge,
        horloge.il_y_a(creation, 14),
        structure,
        campagne_,
        porteur,
        titre,
        collectifs,
        Decimal(8000 * len(enfants)),
        Decimal(3000 * len(enfants)),
        Decimal(2563 * len(enfants) + (300 if bonus else 0)),
        pieces(horloge, structure, porteur, assurance_expiree=False)[0:4],
    )
    deposer_le(horloge, nouveau, porteur, horloge.il_y_a(depot, 11))
    return nouveau


def charger_instruction(
    horloge: Horloge, comptes: dict[str, Utilisateur], mot_de_passe: str
) -> None:
    """Des dossiers du Rhône à chaque étape de l'instruction, et deux pour la Somme :
    déposés au début de la campagne, instruits dans les semaines qui suivent."""
    from clas.conventions.actions import etablir_convention
    from clas.instruction import actions as instruction
    from clas.instruction import decisions
    from clas.instruction.models import Decision, Proposition

    instructeur = comptes["instructeur@demo.clas.fr"]
    valideur = comptes["valideur@demo.clas.fr"]
    instructeur_somme = comptes["instructeur.somme@demo.clas.fr"]
    annee, precedente = horloge.annee, horloge.precedente
    en_cours = {
        c.caf.departement: c
        for c in Campagne.objects.filter(annee_scolaire=annee).select_related("caf")
    }
    equipes = [
        structure_avec_equipe(horloge, rang, ligne, mot_de_passe)
        for rang, ligne in enumerate(AUTRES_STRUCTURES)
    ]
    (
        (vaulx, p_vaulx),
        (stjean, p_stjean),
        (fabrique, p_fabrique),
        (lire, p_lire),
        (givors, p_givors),
        (cartables, p_cartables),
        (ponthieu, p_ponthieu),
    ) = equipes
    rhone, somme = en_cours["69"], en_cours["80"]

    def pris(d: Dossier, agent: Utilisateur, moment: dt.datetime) -> Dossier:
        if d.etat == "depose":
            with horloge.a(moment):
                instruction.prendre(d, agent)
            d.refresh_from_db()
        return d

    def decide(d: Dossier, moment: dt.datetime) -> None:
        """Validée par un second agent ; la convention d'un accord est établie le jour
        même (les suites de la décision ne tournent qu'après la transaction de la démo)."""
        proposition = Proposition.objects.get(dossier=d, statut="en_attente")
        with horloge.a(moment):
            decisions.valider(proposition, valideur, "Conforme.")
            decision = Decision.objects.get(dossier=d)
            if decision.nature == "accord":
                etablir_convention(decision)

    # En instruction, avec une correction motivée.
    d = pris(
        dossier_depose(horloge, (43, 38), vaulx, rhone, p_vaulx, "Réussir à Vaulx", annee),
        instructeur,
        horloge.il_y_a(28, 9),
    )
    if d.etat == "en_instruction" and not d.corrections.exists():
        second = d.collectifs.order_by("ordre")[1]
        with horloge.a(horloge.il_y_a(26, 15)):
            instruction.corriger(
                d,
                instructeur,
                second,
                {"semaines_de_fonctionnement": 30},
                "Le planning joint montre un démarrage mi-octobre : 30 semaines.",
            )
    # Compléments demandés il y a quatre jours, à rendre dans dix jours.
    d = pris(
        dossier_depose(
            horloge, (43, 37), stjean, rhone, p_stjean, "Coup de pouce Saint-Jean", annee
        ),
        instructeur,
        horloge.il_y_a(27, 9),
    )
    if d.etat == "en_instruction":
        with horloge.a(horloge.il_y_a(4, 10)):
            instruction.demander_complements(
                d,
                instructeur,
                ["budget"],
                "Merci de détailler les charges de personnel (compte 64) par intervenant.",
                horloge.dans(10),
            )
    # Proposition d'accord en attente de validation.
    d = pris(
        dossier_depose(
            horloge, (42, 36), fabrique, rhone, p_fabrique, "Les devoirs à la Fabrique", annee
        ),
        instructeur,
        horloge.il_y_a(25, 9),
    )
    if d.etat == "en_instruction" and not d.propositions.exists():
        with horloge.a(horloge.il_y_a(3, 16)):
            decisions.proposer(d, instructeur, "accord")
    # Accepté (validé par un second agent), refusé, classé sans suite.
    for structure, porteur, titre, nature, enfants, jours in (
        (lire, p_lire, "Lire et grandir ensemble", "accord", (10, 11, 8), (42, 35)),
        (givors, p_givors, "Clas de Givors", "refus", (4,), (41, 34)),
        (cartables, p_cartables, "Cartables en fête", "sans_suite", (9,), (41, 33)),
    ):
        d = pris(
            dossier_depose(horloge, jours, structure, rhone, porteur, titre, annee, enfants),
            instructeur,
            horloge.il_y_a(24, 9),
        )
        if d.etat != "en_instruction":
            continue
        if not d.propositions.filter(statut="en_attente").exists():
            details: dict[str, Any] = {
                "accord": {},
                "refus": {
                    "motif_refus": "non_eligible",
                    "texte": "Le seul collectif compte 4 enfants en zone urbaine : le minimum "
                    "est de 8 enfants.",
                },
                "sans_suite": {
                    "texte": "La structure a indiqué par courriel renoncer au projet cette année."
                },
            }[nature]
            with horloge.a(horloge.il_y_a(20, 11)):
                decisions.proposer(d, instructeur, nature, **details)
        decide(d, horloge.il_y_a(18, 10))
    # L'an dernier, le dossier du centre social des Pentes a été accepté à l'automne.
    ancien = Dossier.objects.filter(
        structure__siret=siret_valide_depuis("3120456780001"), campagne__annee_scolaire=precedente
    ).first()
    if ancien is not None and ancien.etat in {"depose", "en_instruction"}:
        ancien = pris(ancien, instructeur, horloge.an_passe(9, 8, 9))
        if not ancien.propositions.filter(statut="en_attente").exists():
            with horloge.a(horloge.an_passe(9, 15, 11)):
                decisions.proposer(ancien, instructeur, "accord")
        decide(ancien, horloge.an_passe(9, 22, 10))
    # Somme : un dossier déposé (Vimeu, plus haut) et un en instruction.
    pris(
        dossier_depose(
            horloge, (40, 32), ponthieu, somme, p_ponthieu, "Réussite au Ponthieu", annee
        ),
        instructeur_somme,
        horloge.il_y_a(22, 9),
    )
