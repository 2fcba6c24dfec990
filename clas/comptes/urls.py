from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .views import deblocage, double_facteur, invitation, sessions_ouvertes

urlpatterns = [
    path("connexion/", views.Connexion.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("mon-accueil/", views.accueil_role, name="accueil_role"),
    path("mot-de-passe/oublie/", views.MotDePasseOublie.as_view(), name="mot_de_passe_oublie"),
    path("mot-de-passe/envoye/", views.MotDePasseEnvoye.as_view(), name="mot_de_passe_envoye"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.NouveauMotDePasse.as_view(),
        name="nouveau_mot_de_passe",
    ),
    path("deblocage/", deblocage.deblocage_demande, name="deblocage_demande"),
    path("deblocage/<str:jeton>/", deblocage.deblocage, name="deblocage"),
    path("inscription/", views.inscription, name="inscription"),
    path("inscription/envoyee/", views.inscription_envoyee, name="inscription_envoyee"),
    path(
        "inscription/nouveau-lien/",
        views.inscription_nouveau_lien,
        name="inscription_nouveau_lien",
    ),
    path(
        "inscription/confirmer/<str:jeton>/",
        views.inscription_confirmer,
        name="inscription_confirmer",
    ),
    path(
        "double-authentification/activer/",
        double_facteur.activer,
        name="double_facteur_activer",
    ),
    path(
        "double-authentification/codes-de-secours/",
        double_facteur.codes_de_secours,
        name="double_facteur_codes",
    ),
    path(
        "double-authentification/verifier/",
        double_facteur.verifier,
        name="double_facteur_verifier",
    ),
    path("mon-compte/securite/", double_facteur.securite, name="securite"),
    path(
        "mon-compte/securite/codes-de-secours/",
        double_facteur.regenerer_codes,
        name="securite_regenerer_codes",
    ),
    path(
        "mon-compte/securite/reinitialiser/",
        double_facteur.reinitialiser,
        name="securite_reinitialiser",
    ),
    path(
        "mon-compte/securite/oublier-ce-navigateur/",
        double_facteur.oublier_navigateur,
        name="securite_oublier_navigateur",
    ),
    path("mon-compte/sessions/", sessions_ouvertes.liste, name="sessions_ouvertes"),
    path(
        "mon-compte/sessions/<int:pk>/fermer/",
        sessions_ouvertes.fermer,
        name="session_fermer",
    ),
    path(
        "mon-compte/sessions/fermer-les-autres/",
        sessions_ouvertes.fermer_les_autres,
        name="sessions_fermer_les_autres",
    ),
    path("mot-de-passe/change/", views.MotDePasseChange.as_view(), name="mot_de_passe_change"),
    path("invitation/<uidb64>/<jeton>/", invitation.accepter, name="invitation_accepter"),
]
