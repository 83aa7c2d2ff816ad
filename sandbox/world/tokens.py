"""The seller's authorization: auth codes, and the access and refresh tokens they are exchanged for."""

from __future__ import annotations

from datetime import datetime

from sandbox import fakes
from sandbox.domain import authorization
from sandbox.world.core import WorldCore


class TokenOperations(WorldCore):
    def issue_auth_code(self) -> authorization.AuthCode:
        with self.session():
            return authorization.issue_auth_code(
                self.grants, self.profile.seller_open_id, self.clock.now(), self.rng
            )

    def exchange_auth_code(self, code: str) -> tuple[authorization.AccessToken, authorization.RefreshToken]:
        with self.session():
            access, refresh, outcome = authorization.exchange_auth_code(
                self.grants, code, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return access, refresh

    def refresh_access_token(
        self, refresh_token: str
    ) -> tuple[authorization.AccessToken, authorization.RefreshToken]:
        with self.session():
            access, refresh, outcome = authorization.refresh_access_token(
                self.grants, refresh_token, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return access, refresh

    def deauthorize(self) -> datetime:
        """The seller deauthorizes the app: its tokens are refused until it is authorized again."""
        with self.session():
            now = self.clock.now()
            self.apply(authorization.deauthorize(self.grants, self.profile.seller_open_id, now))
            return now

    def category_assets(self, app_key: str) -> list[authorization.CategoryAsset]:
        """The business categories the seller authorized app ``app_key`` for: those its shop's
        catalogue sells in, in the shop's market."""
        with self.session():
            categories = [c for sku in self.stock.skus if (c := fakes.category_of(sku)) is not None]
            return authorization.authorized_category_assets(app_key, [(self.profile.shop.region, categories)])
