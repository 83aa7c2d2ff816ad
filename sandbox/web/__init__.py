"""The Seller-Center-like web page for QA: server-rendered over the same worlds as the APIs."""
