"""The bundled OpenAPI specs are valid OpenAPI 3: builds skip connexion's validation of them (it
is most of the start-up time), so this is where it happens."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from connexion.exceptions import InvalidSpecification
from connexion.spec import OpenAPISpecification

from sandbox.app import Sandbox, load_spec, openapi_dir

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
