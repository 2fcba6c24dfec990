"""Les formulaires du bilan de fin d'année (une seule page, sans JavaScript) : un formulaire
par collectif retenu, le compte de résultat (les comptes du budget prévisionnel, même
formulaire), les actions avec les parents, l'évaluation des quatre axes, une pièce jointe.

Un brouillon peut rester incomplet : ces formulaires refusent ce qui est faux (nombres
absurdes, date hors de l'année scolaire, fichier non conforme) ; ce qui manque est signalé
au dépôt (`bilan.manques`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from clas.core.fichiers import FichierVerifie, verifier_fichier
from clas.core.forms import ChampDate, ChampMontant, FormulaireDsfr, aide_texte_libre
from clas.dossiers.forms import FormulaireBudget
from clas.dossiers.models import Collectif

from .actions import DonneesBilan, DonneesCollectif, Manque
from .models import Bilan, BilanCollectif, LigneBilan
from .recalcul import CollectifDecide


def _entier(label: str, maximum: int, aide: str = "") -> forms.IntegerField:
    champ = forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        help_text=aide,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    champ.error_messages.update(
        {
            "invalid": "Saisissez un nombre entier, par exemple 10.",
            "min_value": f"Saisissez un nombre entre 0 et {maximum}.",
            "max_value": f"Saisissez un nombre entre 0 et {maximum}.",
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


def bornes_annee(annee_scolaire: str) -> tuple[dt.date, dt.date]:
    """2026-2027 → du 01/08/2026 au 31/07/2027."""
    debut = int(annee_scolaire.split("-")[0])
    return dt.date(debut, 8, 1), dt.date(debut + 1, 7, 31)


class FormulaireCollectifBilan(FormulaireDsfr):
    """Ce qu'un collectif retenu a réellement fait."""

    a_fonctionne = forms.BooleanField(
        label="Ce collectif a fonctionné pendant l'année",
        required=False,
        help_text="Décochez s'il n'a pas ouvert : il ne recevra rien, les autres champs "
        "peuvent rester vides.",
    )
    nb_enfants = _entier("Enfants réellement accueillis", 100)
    premiere_semaine = ChampDate(label="Première semaine de fonctionnement", required=False)
    semaines_de_fonctionnement = _entier("Semaines de fonctionnement", 52)
    nb_seances = _entier(
        "Séances tenues",
        400,
        "Prérempli avec les séances prévues (créneaux × semaines) : indiquez le nombre réel.",
    )
    nb_intervenants = _entier("Nombre d'intervenants", 30)
    intervenants = _texte(
        "Intervenants : noms et statuts",
        "Un intervenant par ligne, par exemple « Alice Martin, salariée ».",
        lignes=3,
    )
    bonus_projets_culturels = forms.BooleanField(
        label="Projets culturels ou éducatifs menés (sorties, intervenants extérieurs…)",
        required=False,
    )
    bonus_accompagnement_parents = forms.BooleanField(
        label="Accompagnement des parents mené (orientation, accès aux droits, outils "
        "numériques de suivi de la scolarité…)",
        required=False,
    )

    def __init__(
        self, *args: Any, decide: CollectifDecide, annee_scolaire: str, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", f"collectif-{decide.collectif.pk}")
        super().__init__(*args, **kwargs)
        self.decide = decide
        self.annee_scolaire = annee_scolaire

    @property
    def nom(self) -> str:
        return self.decide.decide.nom

    @property
    def ancre(self) -> str:
        return f"collectif-{self.decide.collectif.pk}"

    def clean_premiere_semaine(self) -> dt.date | None:
        date: dt.date | None = self.cleaned_data.get("premiere_semaine")
        if date is None:
            return None
        debut, fin = bornes_annee(self.annee_scolaire)
        if not debut <= date <= fin:
            raise forms.ValidationError(
                f"La première semaine doit être dans l'année scolaire {self.annee_scolaire} "
                f"(entre le {debut:%d/%m/%Y} et le {fin:%d/%m/%Y})."
            )
        return date

    def donnees(self) -> DonneesCollectif:
        d = self.cleaned_data
        return DonneesCollectif(
            collectif_id=self.decide.collectif.pk,
            nom=self.nom,
            a_fonctionne=bool(d.get("a_fonctionne")),
            nb_enfants=d.get("nb_enfants"),
            premiere_semaine=d.get("premiere_semaine"),
            semaines_de_fonctionnement=d.get("semaines_de_fonctionnement"),
            nb_seances=d.get("nb_seances"),
            nb_intervenants=d.get("nb_intervenants"),
            intervenants=d.get("intervenants") or "",
            bonus_projets_culturels=bool(d.get("bonus_projets_culturels")),
            bonus_accompagnement_parents=bool(d.get("bonus_accompagnement_parents")),
        )

    @staticmethod
    def initial_prevu(decide: CollectifDecide) -> dict[str, Any]:
        """Les chiffres prévus : le collectif déclaré et ce qu'en a retenu la décision."""
        collectif: Collectif = decide.collectif
        semaines = decide.decide.semaines_de_fonctionnement
        return {
            "a_fonctionne": True,
            "nb_enfants": decide.decide.nb_enfants,
            "premiere_semaine": collectif.premiere_semaine,
            "semaines_de_fonctionnement": semaines,
            "nb_seances": len(collectif.horaires or []) * semaines or None,
            "nb_intervenants": decide.decide.nb_intervenants,
            "intervenants": "\n".join(
                f"{i.nom}, {i.get_statut_display().lower()}" for i in collectif.intervenants.all()
            ),
            "bonus_projets_culturels": decide.decide.bonus_projets_culturels,
            "bonus_accompagnement_parents": decide.decide.bonus_accompagnement_parents,
        }

    @staticmethod
    def initial_reel(reel: BilanCollectif) -> dict[str, Any]:
        return {
            "a_fonctionne": reel.a_fonctionne,
            "nb_enfants": reel.nb_enfants,
            "premiere_semaine": reel.premiere_semaine,
            "semaines_de_fonctionnement": reel.semaines_de_fonctionnement,
            "nb_seances": reel.nb_seances,
            "nb_intervenants": reel.nb_intervenants,
            "intervenants": reel.intervenants,
            "bonus_projets_culturels": reel.bonus_projets_culturels,
            "bonus_accompagnement_parents": reel.bonus_accompagnement_parents,
        }


class FormulaireCompteResultat(FormulaireBudget):
    """Le compte de résultat : les mêmes comptes que le budget prévisionnel (même
    formulaire), sans la prestation Clas (la Caf la connaît)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "compte")
        super().__init__(*args, **kwargs)
        del self.fields["ps_demandee"]
        for cle, *_reste in self.definitions:
            self.fields[cle].label = str(self.fields[cle].label).replace(
                "(en euros)", "— réel (en euros)"
            )

    @classmethod
    def initial_lignes(cls, lignes: list[Any]) -> dict[str, Any]:
        """Depuis les lignes du budget prévisionnel ou du compte de résultat."""
        initial: dict[str, Any] = {}
        for ligne in lignes:
            cle = f"{'charge' if ligne.nature == 'charge' else 'produit'}_{ligne.compte}" + (
                f"_{ligne.financeur}" if ligne.financeur else ""
            )
            initial[cle] = initial.get(cle, 0) + ligne.montant
        return initial

    def lignes_bilan(self) -> list[tuple[str, str, str, str, Any]]:
        """(nature, compte, financeur, libellé, montant) des montants saisis (valides)."""
        cleaned = getattr(self, "cleaned_data", {})
        lignes = []
        for cle, nature, compte, financeur in self.definitions:
            montant = cleaned.get(cle)
            if montant is None:
                continue
            libelle = str(self.fields[cle].label).removesuffix(" — réel (en euros)")
            lignes.append((nature, compte, financeur, libelle[:200], montant))
        return lignes


class FormulaireBilan(FormulaireDsfr):
    """Les parties communes : parents, évaluation, pièce jointe."""

    actions_parents = _texte(
        "Actions menées avec les parents",
        "Rencontres, accueil, suivi de la scolarité, aide à l'orientation… : ce qui a eu lieu.",
    )
    evaluation_enfants = _texte("Axe « enfants »", "Ce que les enfants ont gagné, en bref.", 3)
    evaluation_parents = _texte("Axe « parents »", "La place prise par les parents.", 3)
    evaluation_ecole = _texte("Axe « école »", "Les liens avec les enseignants.", 3)
    evaluation_partenaires = _texte(
        "Axe « partenaires locaux »", "Avec qui vous avez travaillé.", 3
    )
    nouvelle_piece = forms.FileField(
        label="Joindre une pièce",
        required=False,
        help_text="Compte rendu, feuilles de présence, compte de résultat signé… PDF, PNG ou "
        "JPEG, 10 Mo au plus.",
    )
    description_piece = forms.CharField(
        label="Description de la pièce", required=False, max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.verifie: FichierVerifie | None = None

    def clean_nouvelle_piece(self) -> Any:
        fichier = self.cleaned_data.get("nouvelle_piece")
        if fichier:
            try:
                self.verifie = verifier_fichier(fichier)
            except ValidationError as erreur:
                raise forms.ValidationError(erreur.messages) from None
        return fichier


@dataclass
class SaisieBilan:
    """Tous les formulaires de la page, validés ensemble."""

    collectifs: list[FormulaireCollectifBilan]
    compte: FormulaireCompteResultat
    general: FormulaireBilan

    @classmethod
    def construire(
        cls,
        decides: list[CollectifDecide],
        annee_scolaire: str,
        bilan: Bilan | None,
        reels: list[BilanCollectif],
        lignes_bilan: list[LigneBilan],
        lignes_budget: list[Any],
        data: QueryDict | None = None,
        files: Any = None,
    ) -> SaisieBilan:
        """Liée à `data` si fourni ; sinon préremplie avec le bilan enregistré ou, s'il n'a
        jamais été enregistré, avec les chiffres prévus et le budget prévisionnel."""
        retenus = [d for d in decides if d.retenu]
        commence = bool(reels)
        par_collectif = {r.collectif_id: r for r in reels}
        collectifs = []
        for decide in retenus:
            if data is not None:
                formulaire = FormulaireCollectifBilan(
                    data, decide=decide, annee_scolaire=annee_scolaire
                )
            else:
                reel = par_collectif.get(decide.collectif.pk)
                initial = (
                    FormulaireCollectifBilan.initial_reel(reel)
                    if reel is not None
                    else FormulaireCollectifBilan.initial_prevu(decide)
                )
                formulaire = FormulaireCollectifBilan(
                    initial=initial, decide=decide, annee_scolaire=annee_scolaire
                )
            collectifs.append(formulaire)
        if data is not None:
            compte = FormulaireCompteResultat(data)
            general = FormulaireBilan(data, files)
        else:
            compte = FormulaireCompteResultat(
                initial=FormulaireCompteResultat.initial_lignes(
                    lignes_bilan if commence else lignes_budget
                )
            )
            general = FormulaireBilan(
                initial={
                    champ: getattr(bilan, champ, "")
                    for champ in (
                        "actions_parents",
                        "evaluation_enfants",
                        "evaluation_parents",
                        "evaluation_ecole",
                        "evaluation_partenaires",
                    )
                }
                if bilan is not None
                else {}
            )
        return cls(collectifs=collectifs, compte=compte, general=general)

    @property
    def tous(self) -> list[forms.Form]:
        return [*self.collectifs, self.compte, self.general]

    def is_valid(self) -> bool:
        resultats = [f.is_valid() for f in self.tous]  # chacun validé, sans s'arrêter
        return all(resultats)

    @property
    def a_des_erreurs(self) -> bool:
        return any(f.is_bound and f.errors for f in self.tous)

    def piece(self) -> tuple[Any, str, str] | None:
        """La pièce déposée, si elle est valide (jointe même si le reste est invalide)."""
        general = self.general
        if not general.is_bound:
            return None
        general.is_valid()
        if general.verifie is None or "nouvelle_piece" in general.errors:
            return None
        return (
            general.cleaned_data["nouvelle_piece"],
            general.verifie.nom,
            (general.cleaned_data.get("description_piece") or "").strip(),
        )

    def erreurs(self) -> list[Manque]:
        """Chaque erreur de saisie, avec le champ à corriger (pour la liste en tête)."""
        liste = []
        for formulaire in self.tous:
            if not formulaire.is_bound:
                continue
            prefixe = (
                f"{formulaire.nom} — " if isinstance(formulaire, FormulaireCollectifBilan) else ""
            )
            for nom, messages in formulaire.errors.items():
                champ = formulaire[nom] if nom in formulaire.fields else None
                libelle = str(champ.label).removesuffix(" (en euros)") if champ else ""
                ancre = champ.auto_id if champ else ""
                for message in messages:
                    liste.append(Manque(f"{prefixe}{libelle} : {message}", ancre))
        return liste

    def donnees(self) -> DonneesBilan:
        """Les données validées (ou ce qui est valide, pour lister les manques)."""
        d = getattr(self.general, "cleaned_data", {})
        return DonneesBilan(
            collectifs=[f.donnees() for f in self.collectifs if hasattr(f, "cleaned_data")],
            lignes=self.compte.lignes_bilan(),
            actions_parents=d.get("actions_parents") or "",
            evaluation_enfants=d.get("evaluation_enfants") or "",
            evaluation_parents=d.get("evaluation_parents") or "",
            evaluation_ecole=d.get("evaluation_ecole") or "",
            evaluation_partenaires=d.get("evaluation_partenaires") or "",
        )

    def lecture_seule(self) -> None:
        for formulaire in self.tous:
            for champ in formulaire.fields.values():
                champ.disabled = True


class FormulaireRemboursement(FormulaireDsfr):
    montant = ChampMontant(
        label="Montant reçu (euros)",
        help_text="Au plus le reste à rembourser, par exemple 250,00.",
        error_messages={"required": "Saisissez le montant reçu."},
    )
    recu_le = ChampDate(
        label="Reçu le",
        help_text="La date de réception du virement ou du chèque.",
        error_messages={"required": "Saisissez la date de réception du remboursement."},
    )
    reference = forms.CharField(
        label="Référence",
        help_text="Référence du virement ou numéro du chèque.",
        max_length=100,
        required=False,
    )
    # Le même formulaire envoyé deux fois (double clic, requête rejouée) porte le même
    # jeton : le second envoi n'enregistre rien.
    jeton = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jeton"].error_messages["required"] = (
            "Le formulaire a expiré : rechargez la page et saisissez à nouveau le remboursement."
        )
        self.fields["jeton"].error_messages["invalid"] = self.fields["jeton"].error_messages[
            "required"
        ]
