"""The rules of Brazilian invoices: what makes an NF-e's access key valid, the buyer's CPF, and a
world's invoices kept across pickling (worlds pickled before invoices get none)."""

from __future__ import annotations

import base64
import pickle

import pytest

from sandbox.domain import invoices
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.markets import MarketRecords

# The weights of the 43 digits before the check digit, left to right, as the NF-e manual prints them.
WEIGHTS = "4329876543298765432987654329876543298765432"


def manual_check_digit(first_43: str) -> int:
    rest = sum(int(d) * int(w) for d, w in zip(first_43, WEIGHTS, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cpf_valid(cpf: str) -> bool:
    numbers = [int(d) for d in cpf]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(numbers[:size], range(size + 1, 1, -1), strict=True))
        if (total * 10 % 11) % 10 != numbers[size]:
            return False
    return True


@pytest.mark.parametrize("number", [1, 42, 987654321])
def test_the_check_digit_is_the_manuals_modulo_11(number):
    first = f"3526031234567800019555001{number:09d}1{number % 10**8:08d}"
    assert invoices.check_digit(first) == manual_check_digit(first)
    key = first + str(manual_check_digit(first))
    assert invoices.valid_access_key(key)
    assert not invoices.valid_access_key(key[:-1] + str((int(key[-1]) + 1) % 10))
    assert not invoices.valid_access_key(key[:20] + "65" + key[22:])  # an NFC-e, not an NF-e


def test_an_nfe_is_read_for_its_access_key_and_anything_else_is_refused():
    first = "3526031234567800019555001000000001112345678"
    key = first + str(manual_check_digit(first))
    xml = f'<NFe xmlns="http://www.portalfiscal.inf.br/nfe"><infNFe Id="NFe{key}"/></NFe>'.encode()
    assert invoices.read_nfe("XML", base64.b64encode(xml).decode()) == (key, xml)
    bad = [
        "%%%",
        base64.b64encode(b"").decode(),
        base64.b64encode(b"%PDF-1.7").decode(),
        base64.b64encode(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>').decode(),
        base64.b64encode(b"<x/>" + b" " * invoices.MAX_FILE_BYTES).decode(),
    ]
    for text in bad:
        with pytest.raises(RuleViolation) as refused:
            invoices.read_nfe("XML", text)
        assert refused.value.code == Code.INVOICE_FILE_INVALID
    with pytest.raises(RuleViolation):
        invoices.read_nfe("PDF", base64.b64encode(xml).decode())


def test_a_buyers_cpf_has_its_check_digits_and_stays_the_same():
    assert cpf_valid("52998224725")  # the validator itself, on a published example
    found = {invoices.buyer_cpf(f"7494{n:015d}") for n in range(50)}
    assert len(found) == 50 and all(len(c) == 11 and cpf_valid(c) for c in found)
    assert invoices.buyer_cpf("7494000000000000001") == invoices.buyer_cpf("7494000000000000001")


def test_records_pickled_before_invoices_get_an_empty_book():
    records = MarketRecords()
    state = dict(records.__dict__)
    del state["invoices"]
    old = MarketRecords.__new__(MarketRecords)
    old.__setstate__(state)
    assert old.invoices.by_package == {}
    assert pickle.loads(pickle.dumps(records)).invoices.by_package == {}
