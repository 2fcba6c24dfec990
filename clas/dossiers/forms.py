"""Les formulaires des étapes de saisie d'un dossier (côté structure).

Un brouillon peut rester incomplet : ces formulaires refusent ce qui est faux (nombres
absurdes, horaires pendant l'école, bonus sans description…) ; ce qui manque est signalé au
dépôt. Chaque erreur est rattachée à son champ et dit quoi corriger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from dsfr.widgets import InlineCheckboxSelectMultiple

from clas.core.fichiers import verifier_fichier
from clas.core.forms import (
    ChampDate,
    ChampHeure,
    ChampMontant,
    FormulaireDsfr,
    ModeleFormulaireDsfr,
    aide_texte_libre,
    champs_caches,
)
from clas.structures.models import PieceJustificative, TypePiece

from .models import (
    NIVEAUX_SCOLAIRES,
    Dossier,
    Financeur,
    LigneBudget,
    NatureLigne,
    StatutIntervenant,
)

COLLECTIFS_MAX = 200
# Au-delà, les collectifs sont repliés (une ligne chacun) : la page reste lisible et le
# clavier atteint « Suivant » sans traverser des centaines de champs.
COLLECTIFS_DEPLIES = 3
INTERVENANTS_PAR_COLLECTIF = 4
HORAIRES_PAR_COLLECTIF = 4

JOURS = [
    ("lundi", "Lundi"),
    ("mardi", "Mardi"),
    ("mercredi", "Mercredi"),
    ("jeudi", "Jeudi"),
    ("vendredi", "Vendredi"),
    ("samedi", "Samedi"),
    ("dimanche", "Dimanche"),
]
# Temps scolaire : 08:30–16:30 en semaine ; le mercredi, seulement le matin (jusqu'à 12:00).
DEBUT_ECOLE = dt.time(8, 30)
FIN_ECOLE = dt.time(16, 30)
FIN_ECOLE_MERCREDI = dt.time(12, 0)
REGLE_HORAIRES = (
    "Le Clas a lieu hors du temps scolaire : pas de séance du lundi au vendredi entre 08:30 "
    "et 16:30, sauf le mercredi après-midi (à partir de 12:00). Le samedi est libre."
)


def _entier(label: str, minimum: int, maximum: int, aide: str = "") -> forms.IntegerField:
    champ = forms.IntegerField(
        label=label,
        required=False,
        min_value=minimum,
        max_value=maximum,
        help_text=aide,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    champ.error_messages.update(
        {
            "invalid": "Saisissez un nombre entier, par exemple 10.",
            "min_value": f"Saisissez un nombre entre {minimum} et {maximum}.",
            "max_value": f"Saisissez un nombre entre {minimum} et {maximum}.",
        }
    )
    return champ


def _texte(label: str, aide: str = "", lignes: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=aide_texte_libre(aide),
        widget=forms.Textarea(attrs={"rows": lignes}),
        max_length=10000,
    )


# --- Étape 1 : le projet -----------------------------------------------------------------


class FormulaireProjet(ModeleFormulaireDsfr):
    class Meta:
        model = Dossier
        fields = [
            "titre",
            "resume",
            "axe_enfants",
            "axe_parents",
            "axe_ecole",
            "axe_partenaires",
            "orientation_enfants",
            "liens_ecoles_pedt",
            "lieux",
        ]
        labels = {
            "titre": "Titre du projet",
            "resume": "Résumé du projet",
            "axe_enfants": "Axe « enfants » : ce que vous faites avec les enfants",
            "axe_parents": "Axe « parents » : comment vous associez les parents",
            "axe_ecole": "Axe « école » : vos relations avec les enseignants",
            "axe_partenaires": "Axe « partenaires locaux » : avec qui vous travaillez",
            "orientation_enfants": "Comment les enfants sont orientés vers le Clas",
            "liens_ecoles_pedt": "Liens avec les écoles et le projet éducatif territorial (PEDT)",
            "lieux": "Lieux d'accueil",
        }
        help_texts = {
            "titre": "Par exemple : Clas du centre social des Pentes.",
            "resume": aide_texte_libre(
                "En quelques lignes : le public, les objectifs, le déroulement d'une séance."
            ),
            "axe_enfants": aide_texte_libre(
                "Aide méthodologique, ouverture culturelle, place du groupe…"
            ),
            "axe_parents": aide_texte_libre(
                "Accueil, rencontres, suivi de la scolarité, aide à l'orientation…"
            ),
            "axe_ecole": aide_texte_libre(
                "Comment vous échangez avec les écoles et collèges des enfants."
            ),
            "axe_partenaires": aide_texte_libre("Associations, médiathèque, services municipaux…"),
            "orientation_enfants": aide_texte_libre(
                "Par les enseignants, les travailleurs sociaux, les animateurs…, toujours avec "
                "l'accord des parents."
            ),
            "liens_ecoles_pedt": aide_texte_libre(
                "Conventions, réunions, participation au PEDT de la commune."
            ),
            "lieux": aide_texte_libre(
                "Adresse des salles, accessibilité, équipement (ordinateurs…)."
            ),
        }
        widgets = {
            nom: forms.Textarea(attrs={"rows": 4})
            for nom in [
                "resume",
                "axe_enfants",
                "axe_parents",
                "axe_ecole",
                "axe_partenaires",
                "orientation_enfants",
                "liens_ecoles_pedt",
                "lieux",
            ]
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["titre"].required = True
        self.fields["titre"].error_messages["required"] = (
            "Donnez un titre au projet : il sert à retrouver le dossier."
        )


# --- Étape 2 : les collectifs ------------------------------------------------------------


@dataclass(frozen=True)
class ReglesCollectif:
    """Les effectifs du barème de l'année (valeurs de la graine par défaut) : hors de ces
    bornes, le collectif est signalé à son champ mais reste enregistrable."""

    effectif_min: int = 8
    effectif_min_derogatoire: int = 5
    effectif_max: int = 12
    intervenants_min: int = 2

    @classmethod
    def depuis(cls, parametres: Any) -> ReglesCollectif:
        if parametres is None:
            return cls()
        return cls(
            parametres.effectif_min,
            parametres.effectif_min_derogatoire,
            parametres.effectif_max,
            parametres.intervenants_min,
        )


class FormulaireCollectif(FormulaireDsfr):
    """Un collectif, avec ses intervenants et ses horaires sur un nombre fixe de lignes."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nom = forms.CharField(
        label="Nom du collectif",
        max_length=200,
        help_text="Par exemple : Les Hirondelles (CP-CE1).",
        error_messages={"required": "Donnez un nom au collectif pour le retrouver."},
    )
    lieu = forms.CharField(label="Lieu", max_length=300, required=False)
    niveaux = forms.MultipleChoiceField(
        label="Niveaux scolaires des enfants",
        choices=NIVEAUX_SCOLAIRES,
        required=False,
        # En ligne : douze cases empilées allongeaient chaque collectif d'un écran entier.
        widget=InlineCheckboxSelectMultiple,
    )
    nb_enfants = _entier(
        "Nombre d'enfants",
        0,
        100,
        "Un collectif compte de 8 à 12 enfants (5 au minimum en milieu rural ou avec un "
        "enfant en situation de handicap).",
    )
    milieu_rural = forms.BooleanField(label="En milieu rural", required=False)
    enfant_en_situation_de_handicap = forms.BooleanField(
        label="Accueille un enfant en situation de handicap",
        help_text="nécessitant une attention renforcée des intervenants",
        required=False,
    )
    premiere_semaine = ChampDate(
        label="Première semaine de fonctionnement", required=False, help_text="jj/mm/aaaa"
    )
    semaines_de_fonctionnement = _entier(
        "Nombre de semaines de fonctionnement",
        1,
        52,
        "36 pour une année scolaire complète ; moins si le collectif démarre en cours d'année.",
    )
    bonus_projets_culturels = forms.BooleanField(
        label="Projets culturels ou éducatifs (bonus)",
        help_text="Intervenants extérieurs, sorties culturelles ou éducatives…",
        required=False,
    )
    description_projets_culturels = _texte(
        "Actions culturelles ou éducatives prévues", "Obligatoire si le bonus est coché.", 3
    )
    bonus_accompagnement_parents = forms.BooleanField(
        label="Accompagnement des parents (bonus)",
        help_text="Orientation scolaire, accès aux droits (bourses…), outils numériques…",
        required=False,
    )
    description_accompagnement_parents = _texte(
        "Actions d'accompagnement des parents prévues", "Obligatoire si le bonus est coché.", 3
    )

    def __init__(self, *args: Any, regles: ReglesCollectif | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regles = regles or ReglesCollectif()
        for i in range(1, INTERVENANTS_PAR_COLLECTIF + 1):
            self.fields[f"intervenant_{i}_nom"] = forms.CharField(
                label=f"Intervenant {i} : nom", max_length=200, required=False
            )
            self.fields[f"intervenant_{i}_statut"] = forms.ChoiceField(
                label=f"Intervenant {i} : statut",
                choices=[("", "—"), *StatutIntervenant.choices],
                required=False,
            )
            self.fields[f"intervenant_{i}_qualification"] = forms.CharField(
                label=f"Intervenant {i} : qualification",
                max_length=200,
                required=False,
                help_text="BAFA, enseignant, étudiant…",
            )
        for i in range(1, HORAIRES_PAR_COLLECTIF + 1):
            self.fields[f"horaire_{i}_jour"] = forms.ChoiceField(
                label=f"Séance {i} : jour", choices=[("", "—"), *JOURS], required=False
            )
            self.fields[f"horaire_{i}_debut"] = ChampHeure(
                label=f"Séance {i} : début", required=False
            )
            self.fields[f"horaire_{i}_fin"] = ChampHeure(label=f"Séance {i} : fin", required=False)
        for champ in self.fields.values():
            if isinstance(champ.widget, forms.Select | forms.TextInput | forms.Textarea):
                champ.widget.attrs.setdefault("class", "fr-input")
            if isinstance(champ.widget, forms.Select):
                champ.widget.attrs["class"] = "fr-select"
        self.avertissements = self._avertissements()
        for nom in self.avertissements:
            # Le lecteur d'écran lit l'avertissement avec le champ.
            self.fields[nom].widget.attrs["aria-describedby"] = f"{self[nom].auto_id}-avertissement"

    def _avertissements(self) -> dict[str, str]:
        """Effectif hors des bornes, moins d'intervenants que le minimum : signalés au champ,
        jamais bloquants (le barème rendra le collectif non éligible, la Caf décide)."""
        try:
            nb_enfants: int | None = int(str(self["nb_enfants"].value()).strip())
        except ValueError:
            nb_enfants = None
        nb_intervenants = sum(
            1
            for i in range(1, INTERVENANTS_PAR_COLLECTIF + 1)
            if str(self[f"intervenant_{i}_nom"].value() or "").strip()
        )
        regles = self.regles
        derogation = bool(self["milieu_rural"].value()) or bool(
            self["enfant_en_situation_de_handicap"].value()
        )
        minimum = regles.effectif_min_derogatoire if derogation else regles.effectif_min
        suite = " Le collectif reste enregistré, mais il ne sera pas éligible au barème."
        avertissements = {}
        if nb_enfants is not None and nb_enfants < minimum:
            pourquoi = (
                "en milieu rural ou avec un enfant en situation de handicap"
                if derogation
                else f"{regles.effectif_min_derogatoire} en milieu rural ou avec un enfant en "
                "situation de handicap"
            )
            avertissements["nb_enfants"] = (
                f"{nb_enfants} enfant{'s' if nb_enfants > 1 else ''} : c'est moins que le "
                f"minimum de {minimum} ({pourquoi})." + suite
            )
        elif nb_enfants is not None and nb_enfants > regles.effectif_max:
            avertissements["nb_enfants"] = (
                f"{nb_enfants} enfants : c'est plus que le maximum de {regles.effectif_max} "
                "par collectif. Répartissez-les en deux collectifs." + suite
            )
        commence = nb_enfants is not None or str(self["nom"].value() or "").strip()
        if commence and nb_intervenants < regles.intervenants_min:
            avertissements["intervenant_1_nom"] = (
                f"{nb_intervenants} intervenant{'s' if nb_intervenants > 1 else ''} "
                f"déclaré{'s' if nb_intervenants > 1 else ''} : un collectif est encadré par "
                f"{regles.intervenants_min} intervenants au moins." + suite
            )
        return avertissements

    def resume(self) -> str:
        """La ligne d'un collectif replié : « 10 enfants · 2 intervenants · 30 semaines »."""
        morceaux = []
        for champ, singulier, pluriel in (
            ("nb_enfants", "enfant", "enfants"),
            ("semaines_de_fonctionnement", "semaine", "semaines"),
        ):
            valeur = str(self[champ].value() or "").strip()
            if valeur.isdigit():
                morceaux.append(f"{valeur} {singulier if int(valeur) < 2 else pluriel}")
        intervenants = sum(
            1
            for i in range(1, INTERVENANTS_PAR_COLLECTIF + 1)
            if str(self[f"intervenant_{i}_nom"].value() or "").strip()
        )
        morceaux.insert(1, f"{intervenants} intervenant{'s' if intervenants > 1 else ''}")
        return " · ".join(morceaux)

    def champs_caches(self) -> str:
        return champs_caches(self)

    def replie(self, nombre_de_collectifs: int, ouvert: int | None = None) -> bool:
        """Replié quand il y a beaucoup de collectifs, sauf celui qu'on a ouvert pour le
        modifier, ou qui a une erreur, un avertissement ou vient d'être ajouté (sans nom)."""
        if nombre_de_collectifs <= COLLECTIFS_DEPLIES or ouvert == self._rang():
            return False
        if self.is_bound and self.errors:
            return False
        return bool(str(self["nom"].value() or "").strip()) and not self.avertissements

    def _rang(self) -> int | None:
        """Le rang du collectif dans l'étape (préfixe « collectifs-7 » → 7)."""
        suffixe = (self.prefix or "").rpartition("-")[2]
        return int(suffixe) if suffixe.isdigit() else None

    # Groupes de champs pour le gabarit.
    def lignes_intervenants(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"intervenant_{i}_{c}"] for c in ("nom", "statut", "qualification")]
            for i in range(1, INTERVENANTS_PAR_COLLECTIF + 1)
        ]

    def lignes_horaires(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"horaire_{i}_{c}"] for c in ("jour", "debut", "fin")]
            for i in range(1, HORAIRES_PAR_COLLECTIF + 1)
        ]

    def clean(self) -> dict[str, Any]:
        donnees: dict[str, Any] = super().clean()
        for i in range(1, INTERVENANTS_PAR_COLLECTIF + 1):
            nom = (donnees.get(f"intervenant_{i}_nom") or "").strip()
            statut = donnees.get(f"intervenant_{i}_statut")
            qualification = (donnees.get(f"intervenant_{i}_qualification") or "").strip()
            if (statut or qualification) and not nom:
                self.add_error(f"intervenant_{i}_nom", "Indiquez le nom de l'intervenant.")
            if nom and not statut:
                self.add_error(
                    f"intervenant_{i}_statut", "Indiquez si l'intervenant est salarié ou bénévole."
                )
        for i in range(1, HORAIRES_PAR_COLLECTIF + 1):
            self._verifier_horaire(donnees, i)
        for bonus, description in (
            ("bonus_projets_culturels", "description_projets_culturels"),
            ("bonus_accompagnement_parents", "description_accompagnement_parents"),
        ):
            if donnees.get(bonus) and not (donnees.get(description) or "").strip():
                self.add_error(
                    description,
                    "Décrivez les actions prévues : c'est la condition du bonus. "
                    "Sinon, décochez le bonus.",
                )
        return donnees

    def _verifier_horaire(self, donnees: dict[str, Any], i: int) -> None:
        jour = donnees.get(f"horaire_{i}_jour")
        debut = donnees.get(f"horaire_{i}_debut")
        fin = donnees.get(f"horaire_{i}_fin")
        if any(f"horaire_{i}_{c}" in self.errors for c in ("jour", "debut", "fin")):
            return
        if not (jour or debut or fin):
            return
        if not jour:
            self.add_error(f"horaire_{i}_jour", "Choisissez le jour de la séance.")
        if debut is None:
            self.add_error(f"horaire_{i}_debut", "Indiquez l'heure de début, par exemple 16:45.")
        if fin is None:
            self.add_error(f"horaire_{i}_fin", "Indiquez l'heure de fin, par exemple 18:15.")
        if not jour or debut is None or fin is None:
            return
        if fin <= debut:
            self.add_error(f"horaire_{i}_fin", "L'heure de fin doit être après l'heure de début.")
            return
        if jour in ("samedi", "dimanche"):
            return
        fin_ecole = FIN_ECOLE_MERCREDI if jour == "mercredi" else FIN_ECOLE
        if debut < fin_ecole and fin > DEBUT_ECOLE:
            self.add_error(
                f"horaire_{i}_debut",
                f"Cette séance tombe pendant le temps scolaire ({jour} "
                f"{DEBUT_ECOLE:%H:%M}–{fin_ecole:%H:%M}). " + REGLE_HORAIRES,
            )

    def intervenants(self) -> list[dict[str, str]]:
        d = self.cleaned_data
        return [
            {
                "nom": d[f"intervenant_{i}_nom"].strip(),
                "statut": d[f"intervenant_{i}_statut"],
                "qualification": d[f"intervenant_{i}_qualification"].strip(),
            }
            for i in range(1, INTERVENANTS_PAR_COLLECTIF + 1)
            if (d.get(f"intervenant_{i}_nom") or "").strip()
        ]

    def horaires(self) -> list[dict[str, str]]:
        d = self.cleaned_data
        return [
            {
                "jour": d[f"horaire_{i}_jour"],
                "debut": d[f"horaire_{i}_debut"].strftime("%H:%M"),
                "fin": d[f"horaire_{i}_fin"].strftime("%H:%M"),
            }
            for i in range(1, HORAIRES_PAR_COLLECTIF + 1)
            if d.get(f"horaire_{i}_jour")
        ]

    @staticmethod
    def initial_depuis(collectif: Any) -> dict[str, Any]:
        """Les valeurs d'un Collectif (intervenants préchargés) pour afficher le formulaire."""
        initial: dict[str, Any] = {
            nom: getattr(collectif, nom)
            for nom in (
                "id",
                "nom",
                "lieu",
                "niveaux",
                "nb_enfants",
                "milieu_rural",
                "enfant_en_situation_de_handicap",
                "premiere_semaine",
                "semaines_de_fonctionnement",
                "bonus_projets_culturels",
                "description_projets_culturels",
                "bonus_accompagnement_parents",
                "description_accompagnement_parents",
            )
        }
        for i, intervenant in enumerate(collectif.intervenants.all()[:INTERVENANTS_PAR_COLLECTIF]):
            initial[f"intervenant_{i + 1}_nom"] = intervenant.nom
            initial[f"intervenant_{i + 1}_statut"] = intervenant.statut
            initial[f"intervenant_{i + 1}_qualification"] = intervenant.qualification
        for i, horaire in enumerate((collectif.horaires or [])[:HORAIRES_PAR_COLLECTIF]):
            initial[f"horaire_{i + 1}_jour"] = horaire.get("jour", "")
            initial[f"horaire_{i + 1}_debut"] = horaire.get("debut", "")
            initial[f"horaire_{i + 1}_fin"] = horaire.get("fin", "")
        return initial


class BaseCollectifs(forms.BaseFormSet):  # type: ignore[type-arg]  # paramétré, il planterait à l'exécution
    default_error_messages = {
        "missing_management_form": (
            "Le formulaire des collectifs est incomplet : rechargez la page et recommencez."
        ),
        "too_many_forms": (
            f"Au plus {COLLECTIFS_MAX} collectifs par dossier : retirez ceux qui sont en trop."
        ),
        "too_few_forms": "Déclarez au moins un collectif (son nom suffit pour commencer).",
    }


FormsetCollectifs = forms.formset_factory(
    FormulaireCollectif,
    formset=BaseCollectifs,
    extra=0,
    min_num=1,
    max_num=COLLECTIFS_MAX,
    validate_min=True,
    validate_max=True,
    absolute_max=COLLECTIFS_MAX + 1000,
)


# --- Étape 3 : le budget -----------------------------------------------------------------

CHARGES = [
    ("60", "60 — Achats", "Fournitures, petit matériel, alimentation…"),
    ("61", "61 — Services extérieurs", "Locations, entretien, assurances…"),
    ("62", "62 — Autres services extérieurs", "Intervenants extérieurs, déplacements, sorties…"),
    ("63", "63 — Impôts et taxes", "Taxes sur les salaires…"),
    ("64", "64 — Charges de personnel", "Salaires et charges des intervenants salariés."),
    ("65", "65 — Autres charges de gestion courante", ""),
    (
        "86",
        "86 — Emplois des contributions volontaires en nature",
        "Bénévolat valorisé, locaux mis à disposition… (hors barème).",
    ),
]
PRODUITS = [
    ("70", "70 — Ventes de produits finis, prestations de services", "Participation des familles…"),
    ("75", "75 — Autres produits de gestion courante", "Cotisations, dons…"),
    ("87", "87 — Contributions volontaires en nature", "Contrepartie du compte 86 (hors barème)."),
]


def _cle_ligne(nature: str, compte: str, financeur: str = "") -> str:
    prefixe = "charge" if nature == NatureLigne.CHARGE else "produit"
    return f"{prefixe}_{compte}" + (f"_{financeur}" if financeur else "")


class FormulaireBudget(FormulaireDsfr):
    """Le budget prévisionnel : une ligne par famille de comptes, une par cofinanceur (74)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions: list[tuple[str, str, str, str]] = []  # clé, nature, compte, financeur
        for compte, libelle, aide in CHARGES:
            self._ajouter(NatureLigne.CHARGE, compte, "", libelle, aide)
        compte70 = PRODUITS[0]
        self._ajouter(NatureLigne.PRODUIT, compte70[0], "", compte70[1], compte70[2])
        for financeur, libelle in Financeur.choices:
            self._ajouter(NatureLigne.PRODUIT, "74", financeur, f"74 — Subvention : {libelle}", "")
        for compte, libelle, aide in PRODUITS[1:]:
            self._ajouter(NatureLigne.PRODUIT, compte, "", libelle, aide)
        self.fields["ps_demandee"] = ChampMontant(
            label="Prestation de service Clas demandée à la Caf (en euros)",
            required=False,
            help_text="Comparez-la à l'estimation du barème affichée à côté.",
        )
        for champ in self.fields.values():
            champ.widget.attrs["class"] = "fr-input"

    def _ajouter(self, nature: str, compte: str, financeur: str, libelle: str, aide: str) -> None:
        cle = _cle_ligne(nature, compte, financeur)
        self.fields[cle] = ChampMontant(
            label=f"{libelle} (en euros)", required=False, help_text=aide
        )
        self.definitions.append((cle, nature, compte, financeur))

    def champs_charges(self) -> list[forms.BoundField]:
        return [self[c] for c, nature, _, _ in self.definitions if nature == NatureLigne.CHARGE]

    def champs_produits(self) -> list[forms.BoundField]:
        return [self[c] for c, nature, _, _ in self.definitions if nature == NatureLigne.PRODUIT]

    @classmethod
    def initial_depuis(cls, dossier: Dossier, lignes: list[LigneBudget]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for ligne in lignes:
            cle = _cle_ligne(ligne.nature, ligne.compte, ligne.financeur)
            initial[cle] = initial.get(cle, Decimal("0")) + ligne.montant
        initial["ps_demandee"] = dossier.ps_demandee
        return initial

    def lignes(self, dossier: Dossier) -> list[LigneBudget]:
        lignes = []
        for cle, nature, compte, financeur in self.definitions:
            montant = self.cleaned_data.get(cle)
            if montant is None:
                continue
            libelle = str(self.fields[cle].label).removesuffix(" (en euros)")
            lignes.append(
                LigneBudget(
                    dossier=dossier,
                    nature=nature,
                    compte=compte,
                    financeur=financeur,
                    libelle=libelle[:200],
                    montant=montant,
                )
            )
        return lignes


# --- Étape 4 : les pièces justificatives -------------------------------------------------


class ChoixPieces(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # paramétré, il planterait à l'exécution
    def label_from_instance(self, obj: PieceJustificative) -> str:
        texte = f"{obj.get_type_piece_display()} — {obj.nom_fichier}"
        if obj.date_validite is None:
            return texte
        if obj.est_expiree():
            return (
                f"{texte} (EXPIRÉE depuis le {obj.date_validite:%d/%m/%Y} : déposez-en une à jour)"
            )
        return f"{texte} (valable jusqu'au {obj.date_validite:%d/%m/%Y})"


class FormulaireDocuments(FormulaireDsfr):
    pieces = ChoixPieces(
        label="Pièces du coffre-fort de la structure jointes au dossier",
        queryset=PieceJustificative.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez les pièces à joindre ; décochez pour retirer une pièce du dossier.",
    )
    nouveau_type = forms.ChoiceField(
        label="Type de la nouvelle pièce",
        choices=[("", "Choisissez un type"), *TypePiece.choices],
        required=False,
    )
    nouveau_fichier = forms.FileField(
        label="Fichier",
        required=False,
        help_text="PDF, PNG ou JPEG, 10 Mo au plus. Il est rangé dans le coffre-fort de la "
        "structure et joint au dossier.",
    )
    nouveau_date_validite = ChampDate(
        label="Valable jusqu'au",
        required=False,
        help_text="jj/mm/aaaa ; laissez vide si la pièce n'expire pas (statuts, par exemple).",
    )

    def __init__(self, *args: Any, structure: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pieces"].queryset = PieceJustificative.objects.filter(
            structure=structure
        ).order_by("type_piece", "-created_at")
        self.fields["pieces"].error_messages["invalid_choice"] = (
            "Cette pièce n'est plus dans le coffre-fort de la structure : rechargez la page."
        )
        self.fields["nouveau_type"].widget.attrs["class"] = "fr-select"
        self.verifie: Any = None

    def clean_nouveau_fichier(self) -> Any:
        fichier = self.cleaned_data.get("nouveau_fichier")
        if fichier:
            try:
                self.verifie = verifier_fichier(fichier)
            except ValidationError as erreur:
                raise forms.ValidationError(erreur.messages) from None
        return fichier

    def clean(self) -> dict[str, Any]:
        donnees: dict[str, Any] = super().clean()
        if donnees.get("nouveau_fichier") and not donnees.get("nouveau_type"):
            self.add_error("nouveau_type", "Choisissez le type de la pièce déposée.")
        if (
            (donnees.get("nouveau_type") or donnees.get("nouveau_date_validite"))
            and not self.files.get(self.add_prefix("nouveau_fichier"))
            and "nouveau_fichier" not in self.errors
        ):
            self.add_error(
                "nouveau_fichier",
                "Choisissez le fichier à déposer (ou videz le type et la date).",
            )
        validite = donnees.get("nouveau_date_validite")
        if validite and validite < timezone.localdate():
            self.add_error(
                "nouveau_date_validite",
                "Cette date est passée : la pièce serait déjà expirée. Déposez une pièce à jour.",
            )
        return donnees


# --- Étape 5 : l'attestation sur l'honneur -----------------------------------------------


class FormulaireAttestation(FormulaireDsfr):
    atteste = forms.BooleanField(
        label="J'atteste sur l'honneur l'exactitude des informations de ce dossier et les "
        "engagements ci-dessus, au nom de la structure.",
        error_messages={"required": "Cochez la case pour signer l'attestation sur l'honneur."},
    )
