"""La double authentification des agents et de l'administration nationale (ticket 11, point 5) :
enrôlement, vérification, codes faux et expirés, limite des essais, codes de secours à usage
unique, navigateur de confiance, obligation par le middleware, réinitialisation."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clas.comptes import double_facteur
from clas.comptes.models import DoubleFacteur, EvenementDoubleFacteur, Utilisateur
from tests.factories import MOT_DE_PASSE
from tests.outils import texte

Type = EvenementDoubleFacteur.Type


@pytest.fixture
def obligatoire(settings) -> None:
    settings.CLAS_2FA_OBLIGATOIRE = True


def code_totp(appareil: TOTPDevice, retard: int = 0) -> str:
    """Le code que l'application afficherait maintenant (ou `retard` pas de 30 s plus tôt) ;
    si le code courant a déjà servi, celui du pas suivant, encore accepté (tolérance 1)."""
    appareil.refresh_from_db()
    maintenant = time.time()
    pas = int((maintenant - appareil.t0) // appareil.step) + appareil.drift - retard
    if not retard:
        pas = max(pas, appareil.last_t + 1)
    totp = TOTP(appareil.bin_key, appareil.step, appareil.t0, appareil.digits, 0)
    totp.time = appareil.t0 + pas * appareil.step
    return f"{totp.token():06d}"


def connecter(email: str) -> Client:
    """Une vraie connexion par le formulaire, comme une personne."""
    client = Client()
    reponse = client.post(reverse("connexion"), {"username": email, "password": MOT_DE_PASSE})
    assert reponse.status_code == 302, texte(reponse)
    return client


def enroler(utilisateur: Utilisateur) -> tuple[TOTPDevice, list[str]]:
    """Une application confirmée et 10 codes de secours, sans passer par les pages."""
    appareil = TOTPDevice.objects.create(user=utilisateur, name="Téléphone", confirmed=True)
    return appareil, double_facteur.nouveaux_codes_de_secours(utilisateur)


def verifier(client: Client, code: str, **champs: str) -> object:
    return client.post(reverse("double_facteur_verifier"), {"code": code, **champs})


def erreur_du_champ(reponse) -> str:
    contenu = texte(reponse)
    assert 'id="code-desc-error"' in contenu or "fr-error-text" in contenu, contenu
    return contenu


# --- Enrôlement -------------------------------------------------------------------------------


@pytest.mark.usefixtures("obligatoire")
def test_un_agent_sans_application_est_mene_a_l_enrolement_puis_voit_ses_codes_une_fois(
    utilisateurs,
):
    agent = utilisateurs["instructeur"]
    client = connecter(agent.email)

    reponse = client.get(reverse("caf_accueil"))
    assert reponse.status_code == 302
    assert reponse.url.startswith(reverse("double_facteur_activer"))

    page = client.get(reponse.url)
    assert page.status_code == 200
    contenu = texte(page)
    assert "<svg" in contenu and "QR code" in contenu
    appareil = TOTPDevice.objects.get(user=agent, confirmed=False)
    cle = re.search(r'data-testid="cle-secrete">([A-Z2-7 ]+)<', contenu).group(1)
    assert cle.replace(" ", "") == double_facteur.cle_lisible(appareil).replace(" ", "")
    # Recharger la page garde la même clé (celle déjà scannée reste bonne).
    client.get(reverse("double_facteur_activer"))
    assert TOTPDevice.objects.filter(user=agent).count() == 1

    faux = client.post(reverse("double_facteur_activer"), {"code": "000000"})
    assert faux.status_code == 400
    assert "Code incorrect" in texte(faux)
    assert not double_facteur.est_active(agent)

    bon = client.post(
        reverse("double_facteur_activer"),
        {"code": code_totp(appareil), "next": reverse("caf_accueil")},
    )
    assert bon.status_code == 302 and bon.url == reverse("double_facteur_codes")
    codes_page = client.get(bon.url)
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", texte(codes_page))
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=agent).values_list("token", flat=True)
    )
    assert 'href="/caf/"' in texte(codes_page) or reverse("caf_accueil") in texte(codes_page)
    # Affichage unique : la page ne les montre plus.
    seconde = client.get(reverse("double_facteur_codes"))
    assert seconde.status_code == 302 and seconde.url == reverse("securite")

    # La session est vérifiée : les pages s'ouvrent.
    assert client.get(reverse("caf_accueil")).status_code == 200
    assert EvenementDoubleFacteur.objects.filter(
        utilisateur=agent, type=Type.ACTIVATION, auteur=agent
    ).exists()


@pytest.mark.usefixtures("obligatoire")
def test_l_enrolement_refuse_un_code_qui_n_a_pas_six_chiffres(utilisateurs):
    client = connecter(utilisateurs["national"].email)
    client.get(reverse("double_facteur_activer"))
    for saisie, message in [
        ("", "Saisissez le code à 6 chiffres"),
        ("12ab", "Le code se compose de 6 chiffres"),
    ]:
        reponse = client.post(reverse("double_facteur_activer"), {"code": saisie})
        assert reponse.status_code == 400
        assert message in texte(reponse)


# --- Vérification à la connexion ---------------------------------------------------------------


@pytest.mark.usefixtures("obligatoire")
def test_a_la_connexion_le_code_a_six_chiffres_est_demande_puis_mene_a_la_page_voulue(
    utilisateurs,
):
    agent = utilisateurs["valideur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)

    reponse = client.get(reverse("campagnes_liste"))
    assert reponse.status_code == 302
    assert reponse.url == (
        reverse("double_facteur_verifier")
        + "?next="
        + reverse("campagnes_liste").replace("/", "%2F")
    )
    page = client.get(reponse.url)
    assert "Code à 6 chiffres ou code de secours" in texte(page)
    assert "Faire confiance à ce navigateur pendant 30 jours" in texte(page)

    bon = verifier(client, code_totp(appareil), next=reverse("campagnes_liste"))
    assert bon.status_code == 302 and bon.url == reverse("campagnes_liste")
    assert client.get(reverse("campagnes_liste")).status_code == 200


@pytest.mark.usefixtures("obligatoire")
def test_la_verification_ne_renvoie_pas_vers_un_autre_site(utilisateurs):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    reponse = verifier(client, code_totp(appareil), next="https://pirate.exemple/")
    assert reponse.status_code == 302 and reponse.url == reverse("caf_accueil")


@pytest.mark.usefixtures("obligatoire")
def test_un_code_faux_est_refuse_avec_le_nombre_d_essais_restants(utilisateurs):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    juste = code_totp(appareil)
    faux = "000000" if juste != "000000" else "111111"

    reponse = verifier(client, faux)
    assert reponse.status_code == 400
    contenu = erreur_du_champ(reponse)
    assert "Code incorrect" in contenu and "Encore 4 essais" in contenu
    assert client.get(reverse("caf_accueil")).status_code == 302


@pytest.mark.usefixtures("obligatoire")
def test_un_code_expire_ou_deja_servi_est_signale_comme_tel(utilisateurs):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)

    ancien = verifier(client, code_totp(appareil, retard=4))
    assert ancien.status_code == 400
    assert "Ce code a expiré ou a déjà servi" in texte(ancien)
    # Un code expiré n'est pas une tentative de deviner : il ne rapproche pas du blocage.
    assert DoubleFacteur.objects.get(utilisateur=agent).echecs == 0

    code = code_totp(appareil)
    assert verifier(client, code).status_code == 302
    autre = connecter(agent.email)
    rejoue = verifier(autre, code)
    assert rejoue.status_code == 400
    assert "Ce code a expiré ou a déjà servi" in texte(rejoue)


@pytest.mark.usefixtures("obligatoire")
def test_apres_cinq_codes_faux_il_faut_attendre_meme_avec_le_bon_code(utilisateurs):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    juste = code_totp(appareil)
    faux = "000000" if juste != "000000" else "111111"

    for _ in range(4):
        assert verifier(client, faux).status_code == 400
    cinquieme = verifier(client, faux)
    assert "Trop de codes faux de suite" in texte(cinquieme)
    assert "Réessayez à partir de" in texte(cinquieme)

    bloque = verifier(client, code_totp(appareil))
    assert bloque.status_code == 400
    assert "Trop de codes faux de suite" in texte(bloque)
    assert client.get(reverse("caf_accueil")).status_code == 302
    assert EvenementDoubleFacteur.objects.filter(utilisateur=agent, type=Type.BLOCAGE).exists()

    # Les 15 minutes passées, le bon code est accepté.
    DoubleFacteur.objects.filter(utilisateur=agent).update(
        bloque_jusqu_a=timezone.now() - dt.timedelta(seconds=1)
    )
    assert verifier(client, code_totp(appareil)).status_code == 302


@pytest.mark.usefixtures("obligatoire")
def test_la_limite_vaut_pour_le_compte_et_non_pour_une_session(utilisateurs):
    """Ouvrir une nouvelle session ne remet pas le compteur à zéro."""
    agent = utilisateurs["instructeur"]
    enroler(agent)
    for _ in range(5):
        verifier(connecter(agent.email), "000001")
    assert DoubleFacteur.objects.get(utilisateur=agent).bloque_jusqu_a > timezone.now()


# --- Codes de secours --------------------------------------------------------------------------


@pytest.mark.usefixtures("obligatoire")
def test_un_code_de_secours_sert_une_seule_fois(utilisateurs):
    agent = utilisateurs["comptable"]
    _, codes = enroler(agent)
    client = connecter(agent.email)

    # Majuscules, espaces et tirets ne comptent pas.
    saisie = f"{codes[0][:4].upper()}-{codes[0][4:].upper()}"
    accepte = verifier(client, saisie)
    assert accepte.status_code == 302
    suite = client.get(accepte.url)
    assert "Code de secours accepté" in texte(suite) and "Il vous en reste 9" in texte(suite)
    assert double_facteur.codes_restants(agent) == 9
    assert EvenementDoubleFacteur.objects.filter(
        utilisateur=agent, type=Type.CODE_SECOURS_UTILISE
    ).exists()

    autre = connecter(agent.email)
    reutilise = verifier(autre, codes[0])
    assert reutilise.status_code == 400
    assert "déjà servi" in texte(reutilise)
    assert verifier(autre, codes[1]).status_code == 302


# --- Navigateur de confiance -------------------------------------------------------------------


@pytest.mark.usefixtures("obligatoire")
def test_un_navigateur_de_confiance_n_a_plus_besoin_du_code_pendant_30_jours(utilisateurs):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    reponse = verifier(client, code_totp(appareil), faire_confiance="on")
    assert reponse.status_code == 302
    cookie = reponse.cookies[double_facteur.COOKIE_CONFIANCE]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) == 30 * 24 * 3600

    client.post(reverse("deconnexion"))
    client.post(reverse("connexion"), {"username": agent.email, "password": MOT_DE_PASSE})
    assert client.get(reverse("caf_accueil")).status_code == 200

    # Sans la case cochée, pas de cookie.
    autre = connecter(agent.email)
    sans = verifier(autre, code_totp(appareil))
    assert double_facteur.COOKIE_CONFIANCE not in sans.cookies


@pytest.mark.usefixtures("obligatoire")
def test_le_cookie_de_confiance_est_securise_hors_debug(utilisateurs, settings):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    settings.DEBUG = False
    reponse = verifier(connecter(agent.email), code_totp(appareil), faire_confiance="on")
    assert reponse.cookies[double_facteur.COOKIE_CONFIANCE]["secure"]
    settings.DEBUG = True
    autre = verifier(connecter(agent.email), code_totp(appareil), faire_confiance="on")
    assert not autre.cookies[double_facteur.COOKIE_CONFIANCE]["secure"]


@pytest.mark.usefixtures("obligatoire")
def test_le_cookie_de_confiance_ne_vaut_que_pour_sa_personne(utilisateurs):
    agent, collegue = utilisateurs["instructeur"], utilisateurs["valideur"]
    appareil, _ = enroler(agent)
    enroler(collegue)
    client = connecter(agent.email)
    cookie = verifier(client, code_totp(appareil), faire_confiance="on").cookies[
        double_facteur.COOKIE_CONFIANCE
    ]

    navigateur = Client()
    navigateur.cookies[double_facteur.COOKIE_CONFIANCE] = cookie.value
    navigateur.post(reverse("connexion"), {"username": collegue.email, "password": MOT_DE_PASSE})
    assert navigateur.get(reverse("caf_accueil")).status_code == 302

    # Un cookie modifié à la main n'est pas reconnu.
    falsifie = Client()
    falsifie.cookies[double_facteur.COOKIE_CONFIANCE] = f"{collegue.pk}:0:faux"
    falsifie.post(reverse("connexion"), {"username": collegue.email, "password": MOT_DE_PASSE})
    assert falsifie.get(reverse("caf_accueil")).status_code == 302


@pytest.mark.usefixtures("obligatoire")
def test_reinitialiser_sa_double_authentification_invalide_ses_navigateurs_de_confiance(
    utilisateurs,
):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    cookie = verifier(client, code_totp(appareil), faire_confiance="on").cookies[
        double_facteur.COOKIE_CONFIANCE
    ]

    reponse = client.post(reverse("securite_reinitialiser"))
    assert reponse.status_code == 302 and reponse.url == reverse("double_facteur_activer")
    assert not double_facteur.est_active(agent)
    assert EvenementDoubleFacteur.objects.filter(
        utilisateur=agent, type=Type.REINITIALISATION, auteur=agent
    ).exists()
    # Nouvelle application : l'ancien cookie (gardé par exemple sur un autre poste) ne vaut plus.
    nouvel_appareil, _ = enroler(agent)
    poste = Client()
    poste.cookies[double_facteur.COOKIE_CONFIANCE] = cookie.value
    poste.post(reverse("connexion"), {"username": agent.email, "password": MOT_DE_PASSE})
    assert poste.get(reverse("caf_accueil")).status_code == 302
    assert nouvel_appareil.pk != appareil.pk


# --- Middleware : obligatoire ou non ----------------------------------------------------------


def test_sans_obligation_les_agents_sans_application_se_connectent_sans_code(utilisateurs):
    client = connecter(utilisateurs["instructeur"].email)
    assert client.get(reverse("caf_accueil")).status_code == 200
    national = connecter(utilisateurs["national"].email)
    assert national.get(reverse("national_accueil")).status_code == 200


def test_sans_obligation_une_personne_qui_a_active_la_double_authentification_la_passe(
    utilisateurs,
):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    assert client.get(reverse("caf_accueil")).url.startswith(reverse("double_facteur_verifier"))
    assert verifier(client, code_totp(appareil)).status_code == 302
    assert client.get(reverse("caf_accueil")).status_code == 200


@pytest.mark.usefixtures("obligatoire")
@pytest.mark.parametrize(
    "nom",
    ["accueil", "mentions_legales", "accessibilite", "aide", "simulateur", "deconnexion"],
)
def test_les_pages_publiques_restent_ouvertes_avant_la_verification(utilisateurs, nom):
    client = connecter(utilisateurs["instructeur"].email)
    if nom == "deconnexion":
        reponse = client.post(reverse(nom))
        assert reponse.status_code == 302 and reponse.url == reverse("accueil")
    else:
        assert client.get(reverse(nom)).status_code == 200


@pytest.mark.usefixtures("obligatoire")
def test_l_api_appelee_avec_un_jeton_n_est_pas_detournee_mais_la_session_non_verifiee_l_est(
    utilisateurs,
):
    client = connecter(utilisateurs["instructeur"].email)
    adresse = "/api/v1/openapi.json"
    assert client.get(adresse, HTTP_AUTHORIZATION="Bearer jeton").status_code == 200
    sans_jeton = client.get(adresse)
    assert sans_jeton.status_code == 401
    assert "Double authentification requise" in sans_jeton.json()["detail"]


@pytest.mark.usefixtures("obligatoire")
def test_une_requete_htmx_non_verifiee_est_redirigee_par_htmx(utilisateurs):
    client = connecter(utilisateurs["instructeur"].email)
    reponse = client.get(reverse("caf_accueil"), HTTP_HX_REQUEST="true")
    assert reponse.headers["HX-Redirect"].startswith(reverse("double_facteur_activer"))


@pytest.mark.usefixtures("obligatoire")
@pytest.mark.parametrize("persona", ["porteur", "porteur_autre"])
def test_les_porteurs_ne_sont_pas_concernes(utilisateurs, persona):
    client = connecter(utilisateurs[persona].email)
    assert client.get(reverse("structure_accueil")).status_code == 200
    refus = client.get(reverse("double_facteur_activer"))
    assert refus.status_code == 403
    assert "votre compte n'est pas concerné" in texte(refus)
    securite = client.get(reverse("securite"))
    assert securite.status_code == 200
    assert "votre compte n'est pas concerné" in texte(securite)


# --- Page « Sécurité » -------------------------------------------------------------------------


@pytest.mark.usefixtures("obligatoire")
def test_la_page_securite_montre_l_etat_et_regenere_les_codes(utilisateurs):
    agent = utilisateurs["national"]
    appareil, anciens = enroler(agent)
    client = connecter(agent.email)
    verifier(client, code_totp(appareil))

    page = client.get(reverse("securite"))
    assert "Activée" in texte(page)
    assert re.search(r'data-testid="codes-restants">10<', texte(page))

    reponse = client.post(reverse("securite_regenerer_codes"))
    assert reponse.url == reverse("double_facteur_codes")
    nouveaux = re.findall(r"<li>([a-z2-7]{8})</li>", texte(client.get(reponse.url)))
    assert len(nouveaux) == 10 and not set(nouveaux) & set(anciens)
    assert double_facteur.codes_restants(agent) == 10
    assert EvenementDoubleFacteur.objects.filter(
        utilisateur=agent, type=Type.CODES_REGENERES
    ).exists()
    assert client.get(reverse("securite_regenerer_codes")).status_code == 405


@pytest.mark.usefixtures("obligatoire")
def test_la_page_securite_exige_la_verification_quand_l_application_existe(utilisateurs):
    agent = utilisateurs["instructeur"]
    enroler(agent)
    client = connecter(agent.email)
    assert client.get(reverse("securite")).status_code == 302
    assert client.post(reverse("securite_reinitialiser")).status_code == 302
    assert double_facteur.est_active(agent)


def test_la_page_securite_propose_l_activation_quand_elle_n_est_pas_obligatoire(utilisateurs):
    client = connecter(utilisateurs["instructeur"].email)
    page = texte(client.get(reverse("securite")))
    assert "Non activée" in page and "n'est pas obligatoire" in page
    assert client.get(reverse("double_facteur_activer")).status_code == 200


def test_la_page_securite_demande_la_connexion(anonyme):
    reponse = anonyme.get(reverse("securite"))
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("connexion"))


# --- Réinitialisation par l'administration nationale -------------------------------------------


def test_l_administration_nationale_reinitialise_et_c_est_journalise_et_annonce(
    utilisateurs, national, django_capture_on_commit_callbacks
):
    agent = utilisateurs["instructeur"]
    enroler(agent)
    liste = national.get(reverse("national_double_facteur"))
    assert liste.status_code == 200
    assert agent.email in texte(liste)
    adresse = reverse("national_double_facteur_reinitialiser", args=[agent.pk])
    assert adresse in texte(liste)

    sans_motif = national.post(adresse, {"motif": "  "})
    assert sans_motif.status_code == 400
    assert "Indiquez le motif" in texte(sans_motif)
    assert double_facteur.est_active(agent)

    with django_capture_on_commit_callbacks(execute=True):
        reponse = national.post(adresse, {"motif": "Téléphone perdu, demande du 2/12"})
    assert reponse.status_code == 302 and reponse.url == reverse("national_double_facteur")
    assert not double_facteur.est_active(agent)
    assert double_facteur.codes_restants(agent) == 0
    evenement = EvenementDoubleFacteur.objects.get(
        utilisateur=agent, type=Type.REINITIALISATION_NATIONALE
    )
    assert evenement.auteur == utilisateurs["national"]
    assert evenement.motif == "Téléphone perdu, demande du 2/12"
    assert evenement.created_at <= timezone.now()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent.email]
    assert "réinitialisé" in mail.outbox[0].body and "Téléphone perdu" in mail.outbox[0].body
    assert "Téléphone perdu" in texte(national.get(reverse("national_double_facteur")))


def test_apres_la_reinitialisation_nationale_l_agent_se_reenrole(utilisateurs, national, settings):
    agent = utilisateurs["instructeur"]
    enroler(agent)
    reponse = national.post(
        reverse("national_double_facteur_reinitialiser", args=[agent.pk]), {"motif": "Perdu"}
    )
    assert reponse.status_code == 302
    settings.CLAS_2FA_OBLIGATOIRE = True
    client = connecter(agent.email)
    assert client.get(reverse("caf_accueil")).url.startswith(reverse("double_facteur_activer"))


def test_la_reinitialisation_nationale_ne_vise_que_les_agents_et_nationaux(utilisateurs, national):
    porteur = utilisateurs["porteur"]
    adresse = reverse("national_double_facteur_reinitialiser", args=[porteur.pk])
    assert national.post(adresse, {"motif": "x"}).status_code == 404
    assert porteur.email not in texte(national.get(reverse("national_double_facteur")))


@pytest.mark.parametrize(
    "persona",
    ["porteur", "porteur_autre", "instructeur", "instructeur_autre_caf", "valideur", "comptable"],
)
def test_la_reinitialisation_nationale_est_refusee_aux_autres_personas(
    utilisateurs, client_de, persona
):
    agent = utilisateurs["valideur"] if persona != "valideur" else utilisateurs["instructeur"]
    enroler(agent)
    client = client_de(persona)
    adresse = reverse("national_double_facteur_reinitialiser", args=[agent.pk])
    assert client.get(reverse("national_double_facteur")).status_code == 403
    assert client.post(adresse, {"motif": "Perdu"}).status_code == 403
    assert double_facteur.est_active(agent)
    assert not EvenementDoubleFacteur.objects.filter(type=Type.REINITIALISATION_NATIONALE).exists()


def test_la_reinitialisation_nationale_renvoie_un_anonyme_a_la_connexion(anonyme, utilisateurs):
    agent = utilisateurs["instructeur"]
    enroler(agent)
    reponse = anonyme.post(
        reverse("national_double_facteur_reinitialiser", args=[agent.pk]), {"motif": "x"}
    )
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("connexion"))
    assert double_facteur.est_active(agent)


def test_la_liste_nationale_garde_le_meme_nombre_de_requetes(
    utilisateurs, national, django_assert_max_num_queries, caf_rhone
):
    from tests.factories import AgentCafFactory

    national.get(reverse("national_double_facteur"))
    with django_assert_max_num_queries(12) as requetes:
        national.get(reverse("national_double_facteur"))
    avant = len(requetes)
    for numero in range(15):
        enroler(AgentCafFactory(caf=caf_rhone, utilisateur__email=f"a{numero}@x.fr").utilisateur)
    with django_assert_max_num_queries(avant) as requetes:
        national.get(reverse("national_double_facteur"))


@pytest.mark.usefixtures("obligatoire")
def test_un_administrateur_national_non_verifie_ne_peut_pas_reinitialiser(utilisateurs, national):
    """La réinitialisation elle-même est derrière la double authentification."""
    agent = utilisateurs["instructeur"]
    enroler(agent)
    enroler(utilisateurs["national"])
    reponse = national.post(
        reverse("national_double_facteur_reinitialiser", args=[agent.pk]), {"motif": "Perdu"}
    )
    assert reponse.status_code == 302
    assert reponse.url.startswith(reverse("double_facteur_verifier"))
    assert double_facteur.est_active(agent)


@pytest.mark.usefixtures("obligatoire")
@pytest.mark.parametrize(
    ("saisie", "essai_compte"),
    [
        ("x" * 5000, False),
        ("１２３４５６", False),
        ("<script>alert(1)</script>", False),
        ("  ", False),
        ("\x00\x00", False),
        # Octet nul et surcharge de direction sont retirés de toute saisie (clas.core.saisie) :
        # reste un code à 6 chiffres, faux, essayé comme tel.
        ("\x00123456", True),
        ("12345\u202e6", True),
    ],
)
def test_une_saisie_hostile_recoit_un_message_jamais_une_erreur_serveur(
    utilisateurs, saisie, essai_compte
):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    if code_totp(appareil) == "123456":
        pytest.skip("123456 est justement le code du moment")
    # Vérification (application enregistrée) et enrôlement (pas encore d'application).
    essais = [
        (connecter(agent.email), reverse("double_facteur_verifier")),
        (connecter(utilisateurs["valideur"].email), reverse("double_facteur_activer")),
    ]
    for client, adresse in essais:
        reponse = client.post(adresse, {"code": saisie})
        assert reponse.status_code == 400
        contenu = texte(reponse)
        assert "fr-error-text" in contenu
        assert "<script>alert" not in contenu
        assert 'name="code" value=""' in contenu or 'name="code" autocomplete' in contenu
    # Une saisie hors format n'est pas un code essayé : elle ne rapproche pas du blocage.
    assert DoubleFacteur.objects.filter(echecs__gt=0).exists() is essai_compte


@pytest.mark.usefixtures("obligatoire")
def test_l_enrolement_ne_reaffiche_pas_un_code_refuse(utilisateurs):
    client = connecter(utilisateurs["valideur"].email)
    client.get(reverse("double_facteur_activer"))
    reponse = client.post(reverse("double_facteur_activer"), {"code": "987654"})
    assert reponse.status_code == 400
    assert "987654" not in texte(reponse)


@pytest.mark.usefixtures("obligatoire")
def test_avant_la_verification_le_menu_des_agents_est_cache(utilisateurs):
    agent = utilisateurs["instructeur"]
    appareil, _ = enroler(agent)
    client = connecter(agent.email)
    page = texte(client.get(reverse("double_facteur_verifier")))
    assert reverse("instruction_files") not in page
    assert reverse("securite") not in page
    verifier(client, code_totp(appareil))
    page = texte(client.get(reverse("accueil")))
    assert reverse("instruction_files") in page and reverse("securite") in page


@pytest.mark.usefixtures("obligatoire")
def test_la_reinitialisation_nationale_coupe_la_session_verifiee_et_la_confiance_de_l_agent(
    utilisateurs,
):
    agent, admin = utilisateurs["instructeur"], utilisateurs["national"]
    appareil, _ = enroler(agent)
    appareil_admin, _ = enroler(admin)
    client = connecter(agent.email)
    cookie = verifier(client, code_totp(appareil), faire_confiance="on").cookies[
        double_facteur.COOKIE_CONFIANCE
    ]
    assert client.get(reverse("caf_accueil")).status_code == 200

    national = connecter(admin.email)
    verifier(national, code_totp(appareil_admin))
    national.post(
        reverse("national_double_facteur_reinitialiser", args=[agent.pk]), {"motif": "Perdu"}
    )

    # La session déjà ouverte n'est plus vérifiée : nouvel enrôlement, malgré le cookie.
    client.cookies[double_facteur.COOKIE_CONFIANCE] = cookie.value
    assert client.get(reverse("caf_accueil")).url.startswith(reverse("double_facteur_activer"))


# --- Recours de l'exploitation : la commande ---------------------------------------------------


def test_la_commande_reinitialise_le_seul_administrateur_national_et_le_journalise(
    utilisateurs, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    admin = utilisateurs["national"]
    enroler(admin)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reinitialiser_double_facteur", admin.email, motif="Téléphone volé")
    assert not double_facteur.est_active(admin)
    evenement = EvenementDoubleFacteur.objects.get(utilisateur=admin)
    assert evenement.type == Type.REINITIALISATION_EXPLOITATION
    assert evenement.auteur is None and evenement.motif == "Téléphone volé"
    assert mail.outbox[0].to == [admin.email]
    assert "L'équipe d'exploitation" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("compte", "motif", "message"),
    [
        ("inconnu@exemple.fr", "Perdu", "Aucun compte"),
        ("porteur", "Perdu", "ne le concerne pas"),
        ("valideur", "Perdu", "pas de double authentification activée"),
        ("instructeur", "  ", "Indiquez le motif"),
    ],
)
def test_la_commande_refuse_avec_un_message_qui_dit_pourquoi(utilisateurs, compte, motif, message):
    from django.core.management import CommandError, call_command

    enroler(utilisateurs["instructeur"])
    email = utilisateurs[compte].email if compte in utilisateurs else compte
    with pytest.raises(CommandError, match=message):
        call_command("reinitialiser_double_facteur", email, motif=motif)
    assert double_facteur.est_active(utilisateurs["instructeur"])
    assert not EvenementDoubleFacteur.objects.filter(type__startswith="reinit").exists()


@pytest.mark.usefixtures("obligatoire")
def test_avec_un_jeton_l_api_ne_voit_pas_la_session_non_verifiee(utilisateurs, rf):
    """Un en-tête Authorization quelconque ne fait pas passer une session non vérifiée : l'API
    ne voit qu'un anonyme, c'est le jeton qui doit convaincre."""
    from django.contrib.sessions.backends.db import SessionStore

    from clas.comptes.middleware import DoubleFacteurObligatoire

    vus = []

    def vue(request):
        vus.append(request.user)
        from django.http import HttpResponse

        return HttpResponse()

    requete = rf.get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer faux")
    requete.session = SessionStore()
    agent = utilisateurs["instructeur"]
    agent.is_verified = lambda: False
    requete.user = agent
    DoubleFacteurObligatoire(vue)(requete)
    assert not vus[0].is_authenticated
