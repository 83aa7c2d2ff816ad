FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY sandbox ./sandbox
COPY openapi ./openapi
COPY scenarios ./scenarios
RUN pip install --no-cache-dir .

EXPOSE 8330 443
CMD ["tts-sandbox", "serve", "--host", "0.0.0.0", "--port", "8330"]
