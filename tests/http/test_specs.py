"""The bundled OpenAPI specs are valid OpenAPI 3: builds skip connexion's validation of them (it
is most of the start-up time), so this is where it happens."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification

from sandbox.app import Sandbox, load_spec, openapi_dir
from sandbox.spec_cache import prepare

SPECS = sorted(p.name for p in openapi_dir().glob("*.yaml"))


def test_every_surface_has_a_spec() -> None:
    assert SPECS == ["carrier.yaml", "sandbox.yaml", "seller-center.yaml", "tiktok-shop.yaml"]


@pytest.mark.parametrize("name", SPECS)
def test_bundled_spec_is_valid_openapi(name: str) -> None:
    OpenAPISpecification._validate_spec(load_spec(name))  # raises InvalidSpecification


def test_specs_from_elsewhere_are_still_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SPECS:
        (tmp_path / name).write_text((openapi_dir() / name).read_text(encoding="utf-8"), encoding="utf-8")
    broken = yaml.safe_load((tmp_path / "carrier.yaml").read_text(encoding="utf-8"))
    broken["paths"]["/v1/pickups"]["post"]["responses"] = "none"  # not a responses object
    (tmp_path / "carrier.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    monkeypatch.setenv("TTS_SANDBOX_OPENAPI_DIR", str(tmp_path))
    from sandbox import app as app_module

    app_module._load_spec.cache_clear()
    try:
        with pytest.raises(InvalidSpecification):
            Sandbox().app  # noqa: B018
    finally:
        monkeypatch.delenv("TTS_SANDBOX_OPENAPI_DIR")
        app_module._load_spec.cache_clear()
    # A build from the bundled specs skips the validation for itself only.
    Sandbox().app  # noqa: B018
    assert "_validate_spec" not in OpenAPISpecification.__dict__
    with pytest.raises(InvalidSpecification):
        OpenAPISpecification._validate_spec(broken)


@pytest.mark.parametrize("name", SPECS)
def test_the_prepared_form_of_a_spec_is_what_connexion_makes_of_the_yaml(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTS_SANDBOX_CACHE_DIR", str(tmp_path))
    parsed = yaml.safe_load((openapi_dir() / name).read_text(encoding="utf-8"))
    made = prepare(openapi_dir() / name)  # parsed from YAML, stored
    again = prepare(openapi_dir() / name)  # read from the cache folder
    assert list(tmp_path.iterdir()), "the prepared form was not stored"
    connexions = OpenAPISpecification(parsed)
    for prepared in (made, again):
        assert prepared.spec() == parsed
        assert prepared.resolved_spec() == connexions.spec
        assert prepared.spec() is not prepared.spec()  # each read a fresh copy


def test_an_edited_spec_gets_its_own_prepared_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTS_SANDBOX_CACHE_DIR", str(tmp_path / "cache"))
    spec = tmp_path / "carrier.yaml"
    spec.write_text((openapi_dir() / "carrier.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = prepare(spec).spec()
    edited = yaml.safe_load(spec.read_text(encoding="utf-8"))
    edited["info"]["title"] = "Edited carrier"
    spec.write_text(yaml.safe_dump(edited), encoding="utf-8")
    assert prepare(spec).spec() == edited != before
    assert len(list((tmp_path / "cache" / "specs").iterdir())) == 4  # parsed and resolved, twice


def test_specs_are_parsed_each_time_where_no_cache_folder_can_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("TTS_SANDBOX_CACHE_DIR", str(blocked / "cache"))
    prepared = prepare(openapi_dir() / "sandbox.yaml")
    assert prepared.spec() == yaml.safe_load((openapi_dir() / "sandbox.yaml").read_text(encoding="utf-8"))


def test_a_spec_json_cannot_hold_is_left_to_connexion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTS_SANDBOX_CACHE_DIR", str(tmp_path / "cache"))
    spec = tmp_path / "carrier.yaml"
    text = (openapi_dir() / "carrier.yaml").read_text(encoding="utf-8")
    spec.write_text(text.replace("info:", "x-released: 2026-03-02\ninfo:", 1), encoding="utf-8")
    prepared = prepare(spec)
    assert prepared.resolved_spec() is None
    assert str(prepared.spec()["x-released"]) == "2026-03-02"
    assert not (tmp_path / "cache").exists()


def test_an_app_built_from_prepared_specs_holds_the_specifications_connexion_builds() -> None:
    sandbox = Sandbox()
    specs = {
        "control": sandbox.control_spec,
        "carrier": sandbox.carrier_spec,
        "seller-center": sandbox.seller_center_spec,
        "tiktok": sandbox.tiktok_spec,
    }
    # What connexion's add_api registered, per API: the specifications its middleware are built from.
    built = {api.kwargs["name"]: api.specification for api in sandbox.app.middleware.apis}
    assert set(built) == set(specs)
    for name, spec in specs.items():
        own = OpenAPISpecification(yaml.safe_load(yaml.safe_dump(spec)))
        assert built[name].raw == own.raw
        assert built[name].spec == own.spec
        assert built[name].base_path == own.base_path
