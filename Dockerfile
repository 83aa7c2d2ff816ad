FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY sandbox ./sandbox
COPY openapi ./openapi
COPY scenarios ./scenarios
# Building an app once fills the cache folder (the specs' prepared form, the Faker pools), so that
# a container's start reads them instead of making them.
RUN pip install --no-cache-dir . && python -c "from sandbox.app import Sandbox; Sandbox().app"

EXPOSE 8330 443
CMD ["tts-sandbox", "serve", "--host", "0.0.0.0", "--port", "8330"]
