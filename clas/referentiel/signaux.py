"""Ce que le référentiel demande aux applications du dessus, qui s'y abonnent dans leur
`AppConfig.ready` (le référentiel n'importe pas les campagnes)."""

from django.dispatch import Signal

# Envoyé pour savoir si une année scolaire du barème est déjà utilisée ; argument :
# annee_scolaire. Un abonné renvoie True si elle l'est (les campagnes : une campagne de
# cette année existe). Ses paramètres ne changent alors qu'à quatre yeux.
annee_utilisee = Signal()
