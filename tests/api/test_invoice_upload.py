"""Upload Invoice (fulfillment 202502): a Brazilian seller uploads each package's nota fiscal (the
NF-e's XML, base64), naming the package's orders; the world keeps it with the package, the orders
show their invoice uploaded, and each refused invoice comes back on its own with its package and
orders."""

from __future__ import annotations

import base64
from typing import Any

from sandbox.client import SignedClient
from sandbox.domain.invoices import check_digit
from tests.helpers import NOT_IN_MARKET, awaiting_shipment, data, error_code, load, market_shop, order

UPLOAD = "/fulfillment/202502/invoice/upload"
CANCEL = "/return_refund/202309/cancellations"
COMBINE = "/fulfillment/202309/packages/combine"

ONE_BUYER_IN_BRAZIL = """
scenario: one-buyer-in-brazil
setup: {start: 2026-03-02T09:00:00Z, seed: 11, region: BR, background_orders: 0}
orders:
  tote:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    age: 3h
    buyer: {account: ana}
    line_items: [{product_name: Bolsa de Linho, seller_sku: BOLSA, price: "124.00"}]
  mug:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    age: 2h
    buyer: {account: ana}
    line_items: [{product_name: Caneca, seller_sku: CANECA, price: "39.00"}]
"""


def access_key(number: int, *, model: str = "55") -> str:
    """An NF-e access key: the state (35, Sao Paulo), year and month, the issuer's CNPJ, the model,
    series, number, emission type and code, then the check digit."""
    first = f"352603{'12345678000195'}{model}001{number:09d}1{number:08d}"
    return first + str(check_digit(first))


def nfe(key: str) -> str:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00">'
        f'<NFe><infNFe Id="NFe{key}" versao="4.00"><ide><mod>55</mod></ide></infNFe></NFe>'
        f"<protNFe><infProt><chNFe>{key}</chNFe></infProt></protNFe></nfeProc>"
    )
    return base64.b64encode(xml.encode()).decode()


def package_of(tts: SignedClient, order_id: str) -> str:
    return str(order(tts, order_id)["packages"][0]["id"])


def invoice(package_id: str, order_ids: list[str], file: str) -> dict[str, Any]:
    return {"package_id": package_id, "order_ids": order_ids, "file_type": "XML", "file": file}


def upload(tts: SignedClient, *invoices: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data(tts.post(UPLOAD, {"invoices": list(invoices)}))["errors"])


def need(tts: SignedClient, order_id: str) -> str:
    return str(order(tts, order_id)["need_upload_invoice"])


def kept(sandbox: Any, tts: SignedClient) -> dict[str, Any]:
    return dict(sandbox.tenant(tts.app_key).world.market_records.invoices.by_package)


def test_a_packages_invoice_is_kept_and_its_order_shows_it_uploaded(http, sandbox):
    br = market_shop(http, "BR")
    order_id, other_id = awaiting_shipment(br)[:2]
    package_id = package_of(br, order_id)
    assert need(br, order_id) == "NEED_INVOICE"

    key = access_key(1)
    assert upload(br, invoice(package_id, [order_id], nfe(key))) == []

    [held] = kept(sandbox, br).values()
    assert (held.package_id, held.order_ids, held.access_key) == (package_id, (order_id,), key)
    assert held.content.startswith(b"<?xml") and key.encode() in held.content
    # Order detail (both versions) and order search show the invoice uploaded; the other order
    # still needs its own.
    assert need(br, order_id) == "INVOICE_UPLOADED"
    [detail] = data(br.get("/order/202507/orders", params={"ids": [order_id]}))["orders"]
    assert detail["need_upload_invoice"] == "INVOICE_UPLOADED"
    found = data(
        br.post(
            "/order/202309/orders/search", {"order_status": "AWAITING_SHIPMENT"}, params={"page_size": 50}
        )
    )["orders"]
    needs = {o["id"]: o["need_upload_invoice"] for o in found}
    assert needs[order_id] == "INVOICE_UPLOADED" and needs[other_id] == "NEED_INVOICE"
    # The buyer's CPF, what the NF-e names the buyer by: 11 digits, the same on every order.
    assert len(detail["cpf"]) == 11 and detail["cpf"].isdigit()
    assert detail["cpf_name"] == detail["recipient_address"]["name"]

    # A corrected NF-e replaces the first.
    assert upload(br, invoice(package_id, [order_id], nfe(access_key(2)))) == []
    assert kept(sandbox, br)[package_id].access_key == access_key(2)


def test_orders_not_paid_yet_or_cancelled_show_whether_they_need_an_invoice(http):
    br = market_shop(http, "BR")
    body = {"order_status": "UNPAID"}
    [unpaid] = data(br.post("/order/202309/orders/search", body, params={"page_size": 1}))["orders"]
    assert unpaid["need_upload_invoice"] == "UNKNOWN" and "cpf" not in unpaid
    body = {"order_status": "CANCELLED"}
    [cancelled] = data(br.post("/order/202309/orders/search", body, params={"page_size": 1}))["orders"]
    assert cancelled["need_upload_invoice"] == "NO_NEED"


def test_each_refused_invoice_comes_back_on_its_own_and_the_others_are_kept(http, sandbox):
    br = market_shop(http, "BR")
    good, other, third, fourth, fifth, sixth, seventh, gone = awaiting_shipment(br)[:8]
    data(br.post(CANCEL, {"order_id": gone, "cancel_reason": "Out of stock"}))
    packages = {o: package_of(br, o) for o in (good, other, third, fourth, fifth, sixth, seventh, gone)}
    key = access_key(7)
    not_xml = base64.b64encode(b"%PDF-1.4 not an NF-e").decode()
    no_key = base64.b64encode(b"<nfeProc><NFe><ide/></NFe></nfeProc>").decode()
    wrong_digit = key[:-1] + str((int(key[-1]) + 1) % 10)
    refused = [
        invoice("115400000000000001", [good], nfe(access_key(8))),
        invoice(packages[other], [good], nfe(access_key(9))),
        invoice(packages[seventh], ["576000000000000009"], nfe(access_key(9))),
        invoice(packages[third], [third], "not base64!"),
        invoice(packages[fourth], [fourth], not_xml),
        invoice(packages[fifth], [fifth], no_key),
        invoice(packages[sixth], [sixth], nfe(wrong_digit)),
        invoice(packages[gone], [gone], nfe(access_key(10))),
    ]
    answer = data(br.post(UPLOAD, {"invoices": [invoice(packages[good], [good], nfe(key)), *refused]}))
    codes = [(e["code"], e["detail"]["package_id"], e["detail"]["order_ids"]) for e in answer["errors"]]
    expected = [21011028, 21011160, 21008111, 21011162, 21011162, 21011162, 21011162, 21011161]
    assert codes == [
        (code, entry["package_id"], entry["order_ids"]) for code, entry in zip(expected, refused, strict=True)
    ]
    assert all(e["message"] for e in answer["errors"])
    assert set(kept(sandbox, br)) == {packages[good]}
    assert need(br, other) == "NEED_INVOICE" and need(br, gone) == "NO_NEED"

    # The same access key for another package is refused, in a later request or the same one.
    assert [e["code"] for e in upload(br, invoice(packages[other], [other], nfe(key)))] == [21011163]
    twice = upload(
        br,
        invoice(packages[third], [third], nfe(access_key(11))),
        invoice(packages[fourth], [fourth], nfe(access_key(11))),
    )
    assert [(e["code"], e["detail"]["package_id"]) for e in twice] == [(21011163, packages[fourth])]
    assert set(kept(sandbox, br)) == {packages[good], packages[third]}


def test_a_request_refused_whole_keeps_nothing(http, sandbox):
    br = market_shop(http, "BR")
    order_id = awaiting_shipment(br)[0]
    package_id = package_of(br, order_id)
    good = invoice(package_id, [order_id], nfe(access_key(3)))
    cases = [
        {"invoices": []},
        {},
        {"invoices": [good, good]},
        {"invoices": [{**good, "file_type": "PDF"}]},
        {"invoices": [{**good, "order_ids": []}]},
        {"invoices": [{**good, "note": "extra"}]},
    ]
    for body in cases:
        assert error_code(br.post(UPLOAD, body)) == 36009004, body
    assert kept(sandbox, br) == {}
    assert need(br, order_id) == "NEED_INVOICE"


def test_invoices_are_uploaded_in_brazil_only(tts, sandbox):
    order_id = awaiting_shipment(tts)[0]
    package_id = package_of(tts, order_id)
    body = {"invoices": [invoice(package_id, [order_id], nfe(access_key(4)))]}
    assert error_code(tts.post(UPLOAD, body)) == NOT_IN_MARKET
    assert kept(sandbox, tts) == {}
    assert "need_upload_invoice" not in order(tts, order_id) and "cpf" not in order(tts, order_id)


def test_a_snapshot_keeps_the_invoices(http, sandbox):
    from sandbox.persistence import dump_tenant, load_tenant

    br = market_shop(http, "BR")
    order_id = awaiting_shipment(br)[0]
    package_id = package_of(br, order_id)
    assert upload(br, invoice(package_id, [order_id], nfe(access_key(5)))) == []
    restored = load_tenant(dump_tenant(sandbox.tenant(br.app_key)))
    held = restored.world.market_records.invoices.by_package[package_id]
    assert held.access_key == access_key(5) and held.order_ids == (order_id,)


def test_a_combined_packages_invoice_names_every_order_it_holds(http, sandbox):
    tts = market_shop(http, "BR")
    answer = load(http, ONE_BUYER_IN_BRAZIL, tenant=tts.app_key)
    assert answer.status_code == 201, answer.text
    tote, mug = (answer.json()["orders"][name]["order_id"] for name in ("tote", "mug"))
    package_id = package_of(tts, tote)
    data(tts.post(COMBINE, {"combinable_packages": [{"id": package_id}]}))
    assert package_of(tts, mug) == package_id

    [refused] = upload(tts, invoice(package_id, [tote], nfe(access_key(6))))
    assert (refused["code"], refused["detail"]) == (21011160, {"package_id": package_id, "order_ids": [tote]})
    assert need(tts, tote) == need(tts, mug) == "NEED_INVOICE"
    assert upload(tts, invoice(package_id, [mug, tote], nfe(access_key(6)))) == []
    assert need(tts, tote) == need(tts, mug) == "INVOICE_UPLOADED"
    assert set(kept(sandbox, tts)[package_id].order_ids) == {tote, mug}
