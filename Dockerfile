# meshtastic-keysync in a container.
#
#   docker build -t meshtastic-keysync .
#   docker run -d --name keysync \
#     -v "$PWD/config:/config" -v keysync-data:/data \
#     meshtastic-keysync
#
# /config/config.yaml is required (start from config.yaml.sample, set radio.host or, for a
# USB radio, radio.serial with the device mapped: see docker-compose.example.yml); the key
# directory lives in /data/keys.json. See docs/install.md ("Docker") and
# docker-compose.example.yml.

# --- build: exactly the README's install and build commands ------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /src
# .npmrc sets ignore-scripts: the Meshtastic packages' preinstall only allows pnpm.
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# --- production dependencies only -------------------------------------------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force
# radio.serial needs serialport's prebuilt native binding for this platform and libc (it
# ships inside the package; no install script runs): fail the build here if it does not load.
RUN node -e "require('@serialport/bindings-cpp')"

# --- runtime ----------------------------------------------------------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    MESHTASTIC_KEYSYNC_STORE_PATH=/data/keys.json
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY assets ./assets
COPY config.yaml.sample ./
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# The app's files stay root-owned (read-only for the service); only the volumes are its own.
RUN mkdir -p /config /data && chown node:node /config /data
USER node
VOLUME ["/config", "/data"]
# Healthy while the bridge is online and connected to its radio: from the bridge's own GET
# /healthz when metrics are enabled (metrics.host 0.0.0.0 to scrape it from outside), else
# read from its retained MQTT state; then set HEALTHCHECK_MQTT_URL (and HEALTHCHECK_BASE_TOPIC
# if mqtt.base_topic is not the default) when the bridge uses an external broker. See
# docs/operations.md.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "/app/scripts/healthcheck.mjs"]
CMD ["node", "bin/meshtastic-keysync.js", "--config", "/config/config.yaml"]
