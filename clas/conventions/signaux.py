"""Ce que la convention annonce aux applications du dessus, qui s'y abonnent dans leur
`AppConfig.ready` (la convention n'importe pas les versements)."""

from django.dispatch import Signal

# Envoyé dans la transaction de la signature (et à chaque nouveau clic sur une convention
# déjà signée) ; arguments : convention, auteur.
convention_signee = Signal()
