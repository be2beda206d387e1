# syntax=docker/dockerfile:1
# The serving image. tests/container_test.ts reads this file and replays it
# without a Docker engine: keep RUN steps to `deno ...`, `mkdir -p`, `cp -rL`,
# `rm -rf` and `test -f` joined by `&&`, with paths relative to WORKDIR.

# Build stage: cache every dependency serve.ts needs, exactly as deno.lock
# pins them, and turn models/latest (a directory, or a symlink into
# models/runs/) into a plain copy, since COPY would keep a symlink a symlink.
FROM denoland/deno:2.9.6 AS build
ENV DENO_DIR=/deno-dir
WORKDIR /app
COPY deno.json deno.lock serve.ts ./
COPY lib/ lib/
RUN deno install --frozen --entrypoint serve.ts
COPY models/ context-models/
RUN mkdir -p models && cp -rL context-models/latest models/latest && rm -rf context-models && test -f models/latest/model.json

# Runtime stage: distroless, non-root, only what serving needs. The base
# image's entrypoint is deno itself (under tini, which forwards SIGTERM).
FROM denoland/deno:distroless-2.9.6
ENV DENO_DIR=/deno-dir
ENV DENO_NO_UPDATE_CHECK=1
WORKDIR /app
COPY --from=build /deno-dir/ /deno-dir/
COPY --from=build /app/ /app/
# distroless "nonroot"; numeric so Kubernetes can verify runAsNonRoot
USER 65532:65532
EXPOSE 8000
# --cached-only: start-up never reaches a registry; the other flags are the
# serve task's, word for word (tests/container_test.ts holds them equal)
CMD ["run", "--cached-only", "--no-prompt", "--allow-net", "--allow-read=models", "--allow-env=PORT,HOST,MODEL_DIR,API_TOKEN,LOG_LEVEL,MAX_BODY_BYTES,MAX_BATCH_ROWS,SHUTDOWN_TIMEOUT,BODY_TIMEOUT,WATCH_MODEL,PROTECT_META,UNSEEN_CATEGORIES,DRIFT_WINDOW,PREDICTION_LOG,PREDICTION_LOG_SAMPLE,PREDICTION_LOG_MAX_BYTES", "--allow-write=logs", "serve.ts"]
