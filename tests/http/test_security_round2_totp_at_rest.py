"""Security round two (issue 11), L6(b): authenticator-app seeds are stored encrypted.

The seed is sealed (Fernet, key from SECRET_KEY by HKDF) in ``User.totp_secret`` and in
``UserSession.pending_totp_secret``; a seed stored in clear by an older release still signs in
and is sealed by that sign-in; under another SECRET_KEY the sign-in fails as a wrong code does.
"""
import pyotp

import models
from models import User, UserSession
from services.identity import secrets_at_rest
from tests.helpers import PASSWORD, csrf_from


def post(client, path, data):
    page = client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf_from(page)})


def sign_in_with_code(client, email, code):
    assert post(client, "/login", {"email": email, "password": PASSWORD}).status_code == 303
    return post(client, "/verify", {"code": code})


def stored(app, column, model=User):
    """The column's value exactly as the database holds it (no model conversion)."""
    with app.app_context():
        table = model._meta.table_name
        return models.db.execute_sql(f'SELECT "{column}" FROM "{table}"').fetchone()[0]


def test_binding_an_authenticator_stores_only_the_sealed_seed(app, client, make_user, signed_in):
    user = make_user("bind@example.org", two_step="")
    signed_in(client, user, two_step_passed=False)
    assert post(client, "/account/two-step", {"method": "totp"}).status_code == 303
    html = client.get("/account/two-step/verify").get_data(as_text=True)
    pending = stored(app, "pending_totp_secret", UserSession)
    with app.app_context():
        seed = secrets_at_rest.open(pending)
    assert len(seed) == 32 and " ".join(seed[i:i + 4] for i in range(0, 32, 4)) in html
    assert seed not in pending and not secrets_at_rest.is_legacy(pending)
    response = post(client, "/account/two-step/verify", {"code": pyotp.TOTP(seed).now()})
    assert response.status_code == 303
    column = stored(app, "totp_secret")
    assert column and seed not in column and not secrets_at_rest.is_legacy(column)
    with app.app_context():
        assert secrets_at_rest.open(column) == seed


def test_sign_in_with_a_sealed_seed(app, client, make_user):
    seed = pyotp.random_base32()
    make_user("app@example.org", two_step="totp", totp_secret=seed)
    assert seed not in stored(app, "totp_secret")
    response = sign_in_with_code(client, "app@example.org", pyotp.TOTP(seed).now())
    assert response.status_code == 303 and "/verify" not in response.headers["Location"]


def test_a_legacy_clear_seed_still_signs_in_and_is_sealed_by_it(app, client, make_user):
    seed = pyotp.random_base32()
    user = make_user("old@example.org", two_step="totp", totp_secret=seed)
    with app.app_context():  # as an older release left it
        User.update(totp_secret=seed).where(User.id == user.id).execute()
    assert stored(app, "totp_secret") == seed
    response = sign_in_with_code(client, "old@example.org", pyotp.TOTP(seed).now())
    assert response.status_code == 303 and "/verify" not in response.headers["Location"]
    column = stored(app, "totp_secret")
    assert column != seed and seed not in column
    with app.app_context():
        assert secrets_at_rest.open(column) == seed


def test_a_wrong_code_leaves_a_legacy_seed_as_it_is(app, client, make_user):
    seed = pyotp.random_base32()
    user = make_user("old@example.org", two_step="totp", totp_secret=seed)
    with app.app_context():
        User.update(totp_secret=seed).where(User.id == user.id).execute()
    code = pyotp.TOTP(seed).now()
    response = sign_in_with_code(client, "old@example.org", "000000" if code != "000000" else "111111")
    assert response.status_code == 422
    assert stored(app, "totp_secret") == seed  # only a working code re-saves it


def test_another_secret_key_cannot_open_the_seed(app, client, make_user):
    seed = pyotp.random_base32()
    make_user("app@example.org", two_step="totp", totp_secret=seed)
    app.config["SECRET_KEY"] = "a-different-secret-key"
    response = sign_in_with_code(client, "app@example.org", pyotp.TOTP(seed).now())
    assert response.status_code == 422
    assert "not correct" in response.get_data(as_text=True)
    with app.app_context():
        assert secrets_at_rest.open(stored(app, "totp_secret")) == ""


def test_seal_is_randomised_and_round_trips(app):
    with app.app_context():
        first, second = secrets_at_rest.seal("JBSWY3DPEHPK3PXP"), secrets_at_rest.seal("JBSWY3DPEHPK3PXP")
        assert first != second and len(first) <= 255
        assert secrets_at_rest.open(first) == secrets_at_rest.open(second) == "JBSWY3DPEHPK3PXP"
        assert secrets_at_rest.seal("") == "" and secrets_at_rest.open("") == ""
        assert secrets_at_rest.open("gAAAAAnot-a-token") == ""
