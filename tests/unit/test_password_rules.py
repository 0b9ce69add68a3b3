"""The password rules: long enough, not guessable (zxcvbn, told who the person is), and no
composition rules, as the NCSC advises."""
from __future__ import annotations

import pytest

from workflows.errors import InvalidInput
from workflows.people.password_rules import MIN_LENGTH, check, context_words, problem

MARY = context_words("mary.smith", "mary.smith@example.org")


@pytest.mark.parametrize("password", ["short", "nine char", "x" * (MIN_LENGTH - 1)])
def test_fewer_than_ten_characters_are_refused_whatever_they_are(password):
    assert f"at least {MIN_LENGTH} characters" in problem(password, MARY)


@pytest.mark.parametrize("password", ["Password123!", "qwertyuiop", "iloveyou2024", "1234567890", "aaaaaaaaaaaa"])
def test_common_and_patterned_passwords_are_refused(password):
    assert "easy to guess" in problem(password, MARY)


@pytest.mark.parametrize("password", ["marysmith1990!", "mary.smith2024", "marysmithwork"])
def test_passwords_built_from_the_persons_own_name_are_refused_for_them_alone(password):
    assert "easy to guess" in problem(password, MARY)
    assert problem(password, context_words("olga", "olga@example.org")) is None


@pytest.mark.parametrize("password", ["correct horse battery", "ultrasound kettle lantern", "all lower case words"])
def test_a_few_unrelated_words_pass_without_digits_symbols_or_capitals(password):
    assert problem(password, MARY) is None


def test_a_refusal_names_the_field_and_says_what_would_do():
    with pytest.raises(InvalidInput) as refused:
        check("Password123!", MARY, field="new_password")
    [error] = refused.value.errors
    assert error.field == "new_password"
    assert "unrelated words" in error.message and "not needed" in error.message


def test_context_words_come_from_the_username_the_address_and_the_name():
    assert set(context_words("j_doe", "jane.doe@trust.nhs.uk", "Jane Doe")) >= {"j_doe", "jane", "doe", "janedoe"}
