"""L'horloge de la démo : chaque étape de la démonstration est jouée au jour où elle aurait
eu lieu, calculé à partir d'aujourd'hui.

Les actions de l'application datent ce qu'elles font avec l'heure courante (historique,
dépôt, décision, signature, versement, bilan, indu…). Plutôt que de corriger ces dates
après coup table par table, la démo déplace l'horloge le temps de chaque étape
(time-machine) : tout ce que l'étape écrit, PDF compris, porte la date de l'étape, et les
règles de l'application (campagne ouverte, date d'exécution d'un lot…) s'appliquent à ce
jour-là comme elles se seraient appliquées.

Le calendrier, pour l'année scolaire en cours A (rentrée en septembre de l'année Y) :
- l'année précédente : comptes et structures créés en avril Y-1, appel à projets de mai à
  juillet Y-1, dépôts en juin-juillet Y-1, décisions et acomptes à l'automne Y-1 ; bilans
  déposés après la fin de l'année (juillet Y) et avant la date limite (30 septembre Y),
  examinés dans les semaines qui précèdent aujourd'hui ;
- l'année en cours : appel à projets ouvert depuis 45 jours et jusqu'à 60 jours (jamais
  après la fin de l'année scolaire), dossiers déposés, instruits et payés depuis ;
- l'année suivante : appel à projets ouvert depuis 5 jours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from clas.simulateur.formulaire import annee_scolaire_en_cours

PARIS = ZoneInfo("Europe/Paris")


def rentree(annee_scolaire: str) -> dt.date:
    """Le 1er septembre de l'année où commence l'année scolaire."""
    return dt.date(int(annee_scolaire[:4]), 9, 1)


def fin_d_annee(annee_scolaire: str) -> dt.datetime:
    """Le dernier instant de l'année scolaire (31 juillet à minuit, heure de Paris) : la
    plateforme passe à l'année suivante en août."""
    return dt.datetime(int(annee_scolaire[5:]), 7, 31, 23, 59, tzinfo=PARIS)


def ouverture_au_plus_tot(annee_scolaire: str) -> dt.datetime:
    """Un appel à projets ouvre au plus tôt 18 mois avant la rentrée de son année."""
    debut = rentree(annee_scolaire)
    return dt.datetime(debut.year - 1, 3, 1, tzinfo=PARIS)


class Horloge:
    """Les jours de la démo, relatifs au jour où on la charge."""

    def __init__(self, maintenant: dt.datetime | None = None) -> None:
        self.maintenant = timezone.localtime(maintenant or timezone.now(), PARIS)
        self.aujourd_hui = self.maintenant.date()
        self.annee = annee_scolaire_en_cours(self.aujourd_hui)
        self.debut = int(self.annee[:4])
        self.precedente = f"{self.debut - 1}-{self.debut}"
        self.suivante = f"{self.debut + 1}-{self.debut + 2}"

    # Des instants, à l'heure de Paris.

    def il_y_a(self, jours: float, heure: int = 10, minute: int = 0) -> dt.datetime:
        """Il y a `jours` jours, à l'heure dite (jamais plus tard que maintenant)."""
        jour = self.aujourd_hui - dt.timedelta(days=int(jours))
        return min(self.le(jour, heure, minute), self.maintenant - dt.timedelta(minutes=1))

    def dans(self, jours: int) -> dt.date:
        return self.aujourd_hui + dt.timedelta(days=jours)

    @staticmethod
    def le(jour: dt.date, heure: int = 10, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(jour, dt.time(heure, minute), PARIS)

    def an_passe(self, mois: int, jour: int, heure: int = 10) -> dt.datetime:
        """Un jour de l'année civile Y-1, celle où a commencé l'année scolaire précédente :
        son appel à projets au printemps, ses décisions et ses acomptes à l'automne."""
        return self.le(dt.date(self.debut - 1, mois, jour), heure)

    def entre(self, debut: dt.datetime, fin: dt.datetime, part: float) -> dt.datetime:
        """L'instant situé à `part` (0 à 1) entre deux instants : les étapes gardent leur
        ordre quelle que soit la longueur de la période."""
        return debut + (fin - debut) * part

    # Les périodes de l'année précédente qui dépendent d'aujourd'hui.

    def depots_des_bilans(self) -> tuple[dt.datetime, dt.datetime]:
        """Après la fin de l'année précédente, avant la date limite (30 septembre) et
        avant aujourd'hui (la démo chargée début août a une période courte)."""
        debut = self.le(dt.date(self.debut, 7, 6), 9)
        fin = min(self.le(dt.date(self.debut, 9, 28), 18), self.il_y_a(3, 18))
        return debut, fin

    def examen_des_bilans(self) -> tuple[dt.datetime, dt.datetime]:
        """Après les dépôts, dans les six semaines qui précèdent aujourd'hui : les
        échéances qui en découlent (remboursement d'un indu) sont encore à venir."""
        _debut, fin_des_depots = self.depots_des_bilans()
        return max(fin_des_depots, self.il_y_a(45)), self.il_y_a(1, 9)

    # L'appel à projets de l'année en cours.

    def campagne_en_cours(self) -> tuple[dt.datetime, dt.datetime]:
        ouverture = self.il_y_a(45, 9)
        cloture = min(self.le(self.dans(60), 23, 59), fin_d_annee(self.annee))
        return ouverture, cloture

    @contextmanager
    def a(self, moment: dt.datetime) -> Iterator[None]:
        """Joue le bloc au moment dit : l'heure avance normalement à partir de là."""
        if moment > timezone.now():
            raise ValueError(
                f"La démo ne date rien dans le futur ({moment:%d/%m/%Y %H:%M}) : "
                "seules les échéances sont à venir."
            )
        with time_machine.travel(moment, tick=True):
            yield
