"""Redaction: what is masked before text leaves sevflow, what is kept, in support tickets in many languages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sevflow.adapters.redaction import Pattern, Redactor

REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR.redact(text)


# --- tickets in several languages -----------------------------------------------------------------


def test_an_english_ticket_keeps_its_story_and_loses_its_personal_data() -> None:
    text = (
        "Hi team, this is Jane Doe (jane.doe+billing@example.com). Since 2024-03-15 14:30 UTC our "
        "checkout fails (ticket #48213, order 592817). Card 4111 1111 1111 1111 was charged twice for "
        "$1,234.56. Call me at (415) 555-2671 or +1 415 555 2671. Server 192.168.10.24, app 2.14.1."
    )
    assert redact(text) == (
        "Hi team, this is Jane Doe ([email]). Since 2024-03-15 14:30 UTC our "
        "checkout fails (ticket #48213, order 592817). Card [card] was charged twice for "
        "$1,234.56. Call me at [phone] or [phone]. Server [ip], app 2.14.1."
    )


def test_a_german_ticket_masks_umlaut_addresses_phones_iban_and_password() -> None:
    text = (
        "Hallo, hier Jürgen Müller (jürgen@müller.de). Am 15.03.2024 um 14:30 Uhr wurden 1.234,56 € "
        "abgebucht, IBAN DE89 3704 0044 0532 0130 00. Rückruf bitte unter 030 12345678 oder "
        "0049 30 12345678, mobil +49 151 23456789. Mein Passwort: Sommer2024! (Ticket #7781)"
    )
    assert redact(text) == (
        "Hallo, hier Jürgen Müller ([email]). Am 15.03.2024 um 14:30 Uhr wurden 1.234,56 € "
        "abgebucht, IBAN [iban]. Rückruf bitte unter [phone] oder "
        "[phone], mobil [phone]. Mein Passwort: [secret] (Ticket #7781)"
    )


def test_a_french_ticket_masks_phones_iban_and_mot_de_passe() -> None:
    text = (
        "Bonjour, le 12/03/2024 à 10h30 le paiement de 89,90 € a échoué. Mon IBAN : "
        "FR14 2004 1010 0505 0001 3M02 606. Joignable au 01 23 45 67 89 ou au +33 6 12 34 56 78. "
        "Identifiants : camille.lefèvre@exemple.fr, mot de passe : azerty123"
    )
    assert redact(text) == (
        "Bonjour, le 12/03/2024 à 10h30 le paiement de 89,90 € a échoué. Mon IBAN : "
        "[iban]. Joignable au [phone] ou au [phone]. "
        "Identifiants : [email], mot de passe : [secret]"
    )


def test_a_spanish_ticket_masks_phones_card_and_contrasena() -> None:
    text = (
        "Hola, soy José Peña (jose.pena@ejemplo.es). Pedido 384920 del 03/04/2024, importe 1.250,00 €. "
        "La tarjeta 5555-5555-5555-4444 fue rechazada. Mi móvil: 612 345 678 (+34 612 345 678). "
        "Contraseña: Hola1234"
    )
    assert redact(text) == (
        "Hola, soy José Peña ([email]). Pedido 384920 del 03/04/2024, importe 1.250,00 €. "
        "La tarjeta [card] fue rechazada. Mi móvil: [phone] ([phone]). "
        "Contraseña: [secret]"
    )


def test_a_brazilian_portuguese_ticket_masks_celular_and_senha() -> None:
    text = (
        "Olá, meu nome é João (joão.silva@exemplo.com.br). O boleto de R$ 2.345,67 venceu em 10/05/2024. "
        "Celular (11) 91234-5678 ou +55 11 91234-5678. senha=abc123, versão do app 3.2.0"
    )
    assert redact(text) == (
        "Olá, meu nome é João ([email]). O boleto de R$ 2.345,67 venceu em 10/05/2024. "
        "Celular [phone] ou [phone]. senha=[secret], versão do app 3.2.0"
    )


def test_a_japanese_ticket_keeps_the_japanese_text_around_the_masks() -> None:
    text = (
        "お世話になっております。田中です。連絡先：tanaka@example.co.jpまでご連絡ください。"
        "電話03-1234-5678、海外からは+81 3-1234-5678。2024年3月15日 14:30頃に障害が発生しました。"
        "パスワード：abc12345"
    )
    assert redact(text) == (
        "お世話になっております。田中です。連絡先：[email]までご連絡ください。"
        "電話[phone]、海外からは[phone]。2024年3月15日 14:30頃に障害が発生しました。"
        "パスワード：[secret]"
    )


def test_a_polish_ticket_masks_telefon_and_haslo() -> None:
    text = (
        "Dzień dobry, piszę w sprawie zgłoszenia #55120 z dnia 05.06.2024. Kontakt: "
        "łukasz.wiśniewski@przykład.pl, tel. 512 345 678 lub +48 512 345 678. hasło: Tajne123"
    )
    assert redact(text) == (
        "Dzień dobry, piszę w sprawie zgłoszenia #55120 z dnia 05.06.2024. Kontakt: "
        "[email], tel. [phone] lub [phone]. hasło: [secret]"
    )


# --- kinds of data, one at a time -----------------------------------------------------------------


def test_e_mail_addresses_with_plus_addressing_subdomains_and_unicode_are_masked() -> None:
    text = "a.b+tag@mail.example.org, ÉLODIE@société.fr, user@xn--mller-kva.de, maria@пример.рф."
    assert redact(text) == "[email], [email], [email], [email]."


def test_an_at_sign_without_an_address_is_kept() -> None:
    assert redact("ping @oncall, meet @ 10:00, a@b") == "ping @oncall, meet @ 10:00, a@b"


def test_a_luhn_valid_card_number_is_masked_and_an_invalid_one_is_kept() -> None:
    text = (
        "valid 4111111111111111, 4111-1111-1111-1111, 3782 822463 10005, 6011 0009 9013 9424; "
        "invalid 4111 1111 1111 1112, 5555-5555-5555-4445"
    )
    assert (
        redact(text)
        == "valid [card], [card], [card], [card]; invalid 4111 1111 1111 1112, 5555-5555-5555-4445"
    )


def test_a_card_number_is_reported_as_a_card_not_as_a_phone() -> None:
    assert redact("Karte: 4000 0566 5566 5556") == "Karte: [card]"


def test_ibans_with_and_without_spaces_are_masked_when_the_check_digits_hold() -> None:
    text = (
        "DE89370400440532013000 / DE89 3704 0044 0532 0130 00 / FR1420041010050500013M02606 / "
        "GB82 WEST 1234 5698 7654 32 BIC NWBKGB2L"
    )
    assert redact(text) == "[iban] / [iban] / [iban] / [iban] BIC NWBKGB2L"


def test_ibans_with_wrong_check_digits_are_kept() -> None:
    text = "DE88 3704 0044 0532 0130 00, FR15 2004 1010 0505 0001 3M02 606, GB83WEST12345698765432"
    assert redact(text) == text


def test_well_known_token_formats_are_masked() -> None:
    text = (
        "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc, sk_test_51H8xYzAbCdEfGh, "
        "github ghp_16C7e42F292c6912E7710c838347Ae178B4a, gho_abcdefghijklmnopqrstuvwxyz012345, "
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop, slack xoxb-123456789012-abcdefABCDEF, "
        "aws AKIAIOSFODNN7EXAMPLE, google AIzaSyA1234567890abcdefghijklmnopqrstu, "
        "gitlab glpat-abcdefghij1234567890."
    )
    assert redact(text) == (
        "stripe [secret], [secret], github [secret], [secret], [secret], slack [secret], "
        "aws [secret], google [secret], gitlab [secret]."
    )


def test_a_jwt_and_a_bearer_token_are_masked_but_the_scheme_is_kept() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    text = f"id_token={jwt}\nAuthorization: Bearer abcdef123456\nthe bearer of bad news"
    assert redact(text) == "id_token=[secret]\nAuthorization: Bearer [secret]\nthe bearer of bad news"


def test_password_like_keys_in_several_languages_keep_the_key_and_lose_the_value() -> None:
    text = (
        "password: hunter2\nPASSWD=abc\npwd = x1\nsecret: s3cr3t\ntoken=t0k3n\napi_key: k1\napikey=k2\n"
        "access_token: a1\nclient_secret=c1\nPasswort: geheim\nmot de passe : azerty\nmot_de_passe=m1\n"
        "contraseña: clave1\nsenha: s1\nDB_PASSWORD=p1\nx-api-key: k3"
    )
    assert redact(text) == (
        "password: [secret]\nPASSWD=[secret]\npwd = [secret]\nsecret: [secret]\ntoken=[secret]\n"
        "api_key: [secret]\napikey=[secret]\naccess_token: [secret]\nclient_secret=[secret]\n"
        "Passwort: [secret]\nmot de passe : [secret]\nmot_de_passe=[secret]\ncontraseña: [secret]\n"
        "senha: [secret]\nDB_PASSWORD=[secret]\nx-api-key: [secret]"
    )


def test_quoted_secret_values_in_json_keep_their_quotes() -> None:
    text = '{"user": "ana", "password": "correct horse", "api_key":"k-123", "token": ""}'
    assert redact(text) == '{"user": "ana", "password": "[secret]", "api_key":"[secret]", "token": ""}'


def test_a_key_word_without_a_value_is_kept() -> None:
    text = "I forgot my password.\nReset token expired.\nPassword:\n"
    assert redact(text) == text


def test_a_long_random_string_is_masked_but_a_long_slug_is_kept() -> None:
    text = (
        "request 123e4567-e89b-12d3-a456-426614174000, key a8Fk2LmQ9xZ7pR4tW1vY6bN3cD5eH0jK, "
        "page release-notes-for-version-2-and-3-of-the-api-client, ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH"
    )
    assert redact(text) == (
        "request [secret], key [secret], "
        "page release-notes-for-version-2-and-3-of-the-api-client, ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH"
    )


def test_ip_addresses_are_masked_and_versions_times_and_mac_addresses_are_kept() -> None:
    text = (
        "hosts 10.0.0.1:8080, 192.168.1.10/24, 2001:db8::8a2e:370:7334, fe80::1%eth0, ::ffff:192.0.2.1, "
        "[2001:db8::1]:443; kept 1.2.3, 2.14.1, 999.1.1.1, 256.0.0.1, 12:30:45, 00:1A:2B:3C:4D:5E"
    )
    assert redact(text) == (
        "hosts [ip]:8080, [ip]/24, [ip], [ip], [ip], "
        "[[ip]]:443; kept 1.2.3, 2.14.1, 999.1.1.1, 256.0.0.1, 12:30:45, 00:1A:2B:3C:4D:5E"
    )


def test_dates_times_ticket_numbers_versions_order_numbers_and_amounts_are_kept() -> None:
    text = (
        "2024-03-15 14:30:00, 15.03.2024 14:30, 03/15/2024, 12.03.2024, 09:15, ticket #12345, "
        "#1234567, INC0012345, order 592817, 48213, v2.14.1, 10.4.22, $1,234.56, 1.234.567,89 EUR, "
        "12,345,678.90 USD, 20240315"
    )
    assert redact(text) == text


def test_phone_numbers_in_national_and_international_formats_are_masked() -> None:
    text = (
        "US (415) 555-2671 / 415-555-2671 / +1 415 555 2671; UK 07911 123456 / +44 7911 123456; "
        "NL 06 12345678 / 0031 6 12345678; IT 02 1234 5678; IN 98765 43210 / +91 98765 43210"
    )
    assert redact(text) == (
        "US [phone] / [phone] / [phone]; UK [phone] / [phone]; "
        "NL [phone] / [phone]; IT [phone]; IN [phone] / [phone]"
    )


def test_the_phone_regions_choose_the_national_formats_and_international_numbers_are_always_found() -> None:
    redactor = Redactor(phone_regions=["DE"])
    text = "(415) 555-2671, 030 12345678, +1 415 555 2671, 001 415 555 2671"
    assert redactor.redact(text) == "(415) 555-2671, [phone], [phone], [phone]"


def test_an_unknown_phone_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown phone region"):
        Redactor(phone_regions=["US", "XX"])


# --- overlaps, masks already present, idempotence -------------------------------------------------


def test_a_secret_value_that_is_also_an_address_gets_one_mask() -> None:
    assert redact("password: jane@example.com") == "password: [secret]"


def test_masks_already_in_the_text_are_left_alone() -> None:
    text = "password: [secret], mail [email], card [card], [ip], [phone], [iban]"
    assert redact(text) == text


def test_a_mask_that_uncovers_its_neighbour_is_followed_by_the_neighbours_mask() -> None:
    # "com4111…" hides the end of the address until the card number is masked.
    assert redact("a@b.com4111111111111111") == "[email][card]"


def test_empty_text_stays_empty() -> None:
    assert redact("") == ""
    assert Redactor(patterns=[Pattern("x", "x+")], allow=["a@b.de"]).redact("") == ""


def test_text_without_anything_sensitive_is_returned_unchanged() -> None:
    text = (
        "The payment service returned HTTP 502 for EU customers since 09:00; rollback of 2.14.1 is running."
    )
    assert redact(text) == text


FRAGMENTS = [
    "jane.doe+x@example.com",
    "jürgen@müller.de",
    "+49 30 12345678",
    "0049 30 12345678",
    "(415) 555-2671",
    "4111 1111 1111 1111",
    "4111111111111112",
    "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432",
    "password: hunter2",
    '"token": "abc"',
    "Bearer abcdef123456",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
    "a8Fk2LmQ9xZ7pR4tW1vY6bN3cD5eH0jK",
    "10.0.0.1",
    "2001:db8::1",
    "2.14.1",
    "2024-03-15 14:30",
    "#12345",
    "1,234.56",
    "[email]",
    "[secret]",
    "TKT-9",
    "@",
    ".",
    ":",
    "=",
    "00",
    "+",
    "-",
    "[",
    "]",
]
SEPARATORS = ["", " ", ", ", "\n", ":", "=", "-", "."]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    parts=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="0123456789 +-.:@aZé#[]", max_size=12)),
            st.sampled_from(SEPARATORS),
        ),
        max_size=8,
    )
)
def test_redacting_twice_gives_the_same_text_as_redacting_once(parts: list[tuple[str, str]]) -> None:
    redactor = Redactor(patterns=[Pattern("ticket-ref", r"TKT-\d+")], allow=["support@acme.example"])
    text = "".join(fragment + separator for fragment, separator in parts)
    once = redactor.redact(text)
    assert redactor.redact(once) == once


@settings(max_examples=100, deadline=None, derandomize=True)
@given(text=st.text(max_size=80))
def test_redacting_any_text_twice_gives_the_same_text_as_redacting_once(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


# --- allow-list and custom patterns ---------------------------------------------------------------


def test_allowed_strings_are_never_masked_and_addresses_compare_case_insensitively() -> None:
    redactor = Redactor(allow=["support@acme.example", "203.0.113.10", "+1 800 555 0199"])
    text = (
        "Write to support@acme.example or Support@ACME.Example, not xsupport@acme.example or "
        "ana@acme.example. Status page 203.0.113.10, server 203.0.113.11. Hotline +1 800 555 0199, "
        "mine +1 415 555 2671."
    )
    assert redactor.redact(text) == (
        "Write to support@acme.example or Support@ACME.Example, not [email] or "
        "[email]. Status page 203.0.113.10, server [ip]. Hotline +1 800 555 0199, "
        "mine [phone]."
    )


def test_other_allowed_strings_compare_exactly() -> None:
    redactor = Redactor(allow=["Pa55word-Demo"])
    assert redactor.redact("password: Pa55word-Demo, password: pa55word-demo") == (
        "password: Pa55word-Demo, password: [secret]"
    )


def test_custom_patterns_are_masked_with_their_name_after_the_built_in_kinds() -> None:
    redactor = Redactor(
        patterns=[Pattern("ticket-secret", r"TS-[0-9A-F]{8}"), Pattern("customer", r"CUST-\d{4,}")]
    )
    text = "Reset TS-00FF12AB for CUST-20931 (cust@example.com), ts-00ff12ab stays."
    assert redactor.redact(text) == "Reset [ticket-secret] for [customer] ([email]), ts-00ff12ab stays."


def test_a_custom_pattern_overlapping_a_built_in_kind_gives_one_mask_for_the_union() -> None:
    redactor = Redactor(patterns=[Pattern("contact", r"mail: \S+@\S+")])
    assert redactor.redact("mail: a@example.com!") == "[email]"


def test_an_invalid_custom_regex_is_refused_naming_the_pattern_and_the_problem() -> None:
    with pytest.raises(
        ValueError, match=r"pattern 'ticket-secret' has an invalid regular expression 'TS-\(\[0-9\]': "
    ):
        Pattern("ticket-secret", "TS-([0-9]")


def test_a_custom_regex_matching_the_empty_text_is_refused() -> None:
    with pytest.raises(ValueError, match="pattern 'opt' matches the empty text"):
        Pattern("opt", r"\d*")


def test_a_custom_pattern_name_that_would_break_the_mask_is_refused() -> None:
    with pytest.raises(ValueError, match=r"pattern name 'a\]b' is not allowed"):
        Pattern("a]b", "x")


# --- structured data ------------------------------------------------------------------------------


def test_redact_data_redacts_every_string_in_nested_structures_and_keeps_keys_and_other_values() -> None:
    payload = {
        "ticket": 48213,
        "jane@example.com": "key kept as it is",
        "reporter": {"email": "jane@example.com", "phones": ["+49 30 12345678", None], "vip": True},
        "events": [
            {"at": "2024-03-15T14:30:00Z", "note": "paid with 4111 1111 1111 1111", "amount": 12.5},
            ("from 10.0.0.1", 3),
        ],
        "credentials": {"DB_PASSWORD": "hunter2", "api_key": "k", "token": "", "password": None},
    }
    assert REDACTOR.redact_data(payload) == {
        "ticket": 48213,
        "jane@example.com": "key kept as it is",
        "reporter": {"email": "[email]", "phones": ["[phone]", None], "vip": True},
        "events": [
            {"at": "2024-03-15T14:30:00Z", "note": "paid with [card]", "amount": 12.5},
            ("from [ip]", 3),
        ],
        "credentials": {"DB_PASSWORD": "[secret]", "api_key": "[secret]", "token": "", "password": None},
    }


def test_redact_data_returns_scalars_unchanged_and_does_not_modify_its_input() -> None:
    payload = {"notes": ["mail a@b.de"]}
    assert REDACTOR.redact_data(payload) == {"notes": ["mail [email]"]}
    assert payload == {"notes": ["mail a@b.de"]}
    assert REDACTOR.redact_data(7) == 7
    assert REDACTOR.redact_data(None) is None
    assert REDACTOR.redact_data("a@b.de") == "[email]"
